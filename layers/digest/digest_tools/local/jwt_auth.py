"""The desk's sign-in, checked locally as an HTTP API JWT authorizer checks it in AWS.

The token (``Authorization: Bearer <JWT>``, the bare token too) must be signed by a key of the
user pool's JWKS, issued by the pool, for the desk's app client (``aud`` of an ID token,
``client_id`` of an access token), and neither expired nor not yet valid. The function then sees
its claims as API Gateway passes them: every value a string, a list as ``[a b]``. A refusal is a
401, as API Gateway answers. The keys are the stand-in's (moto serves them at the pool's
``/.well-known/jwks.json``); joserfc is the JWT library moto itself signs with.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet


class LocalJwt:
    """A JWT authorizer for a Cognito user pool served by the local stand-in."""

    denied_status = 401

    def __init__(self, endpoint: str, issuer: str, audience: list[str]) -> None:
        self.issuer, self.audience = issuer, set(audience)
        pool_id = issuer.rsplit("/", 1)[-1]
        with urllib.request.urlopen(f"{endpoint}/{pool_id}/.well-known/jwks.json") as reply:
            self.keys = KeySet.import_key_set(json.load(reply))

    def __call__(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The ``requestContext.authorizer`` of a valid token's holder, else None (refused)."""
        value = (event.get("headers") or {}).get("authorization", "")
        token = value[7:].strip() if value[:7].lower() == "bearer " else value.strip()
        try:
            claims = jwt.decode(token, self.keys).claims
            jwt.JWTClaimsRegistry(iss={"essential": True, "value": self.issuer}).validate(claims)
        except (JoseError, ValueError):
            return None
        if not self.audience & {claims.get("aud"), claims.get("client_id")}:
            return None
        return {"jwt": {"claims": {k: _as_string(v) for k, v in claims.items()}, "scopes": None}}


def _as_string(value: Any) -> str:
    """A claim as API Gateway passes it to the function.

    >>> _as_string(["editors", "admins"]), _as_string(1764600000), _as_string(True)
    ('[editors admins]', '1764600000', 'true')
    """
    if isinstance(value, list):
        return "[" + " ".join(map(str, value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
