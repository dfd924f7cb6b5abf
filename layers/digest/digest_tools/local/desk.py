"""The desk on ``digest serve``: its page at ``/_local/desk`` and a same-origin door to the local
Cognito stand-in at ``/_local/cognito`` (in AWS the page is on the public site and calls Cognito's
own endpoint, which allows browsers; moto's does not answer browsers' cross-origin requests).

moto does not check an SRP sign-in (any password claim passes), so the door does: for the
accounts ``digest serve`` made (:class:`LocalSignIn`), it answers ``USER_SRP_AUTH`` and the
``PASSWORD_VERIFIER`` challenge itself (:mod:`digest_tools.local.srp`), and only for a proven
password asks moto for the tokens. Every other call goes to moto as it is.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from digest_tools.local.jwt_auth import LocalJwt
from digest_tools.local.srp import Challenge, Verifier
from digest_tools.local.stack import REGION, LocalStack

PAGE, COGNITO = "/_local/desk", "/_local/cognito"
DESK_EDITOR = "editor@news.example.org"  # the desk accounts `digest serve` makes (a new password each start)
DESK_ADMIN = "admin@news.example.org"  # ... and its admin: the subscriber list tools too
_FORWARDED = ("content-type", "x-amz-target")
_WRONG = {"__type": "NotAuthorizedException", "message": "Incorrect username or password."}


def desk_url(api: str, client_id: str, region: str, pool: str = "") -> str:
    """The page's address, its configuration in the fragment (as the stack's DeskUrl output gives it).

    >>> desk_url("http://127.0.0.1:8787", "abc", "us-east-1", "us-east-1_x")
    'http://127.0.0.1:8787/_local/desk#api=http%3A%2F%2F127.0.0.1%3A8787%2Fdesk&client=abc&region=us-east-1&pool=us-east-1_x&cognito=http%3A%2F%2F127.0.0.1%3A8787%2F_local%2Fcognito'
    """
    return f"{api}{PAGE}#" + urlencode(
        {"api": f"{api}/desk", "client": client_id, "region": region, "pool": pool, "cognito": api + COGNITO}
    )


class LocalSignIn:
    """The SRP half of the local user pool: a verifier per account made here, the challenges out."""

    def __init__(self, pool_id: str, tokens: Callable[[str, str, str], dict]) -> None:
        self.pool_id, self.tokens = pool_id, tokens  # tokens(client_id, username, password): moto's reply
        self._accounts: dict[str, tuple[Verifier, str]] = {}
        self._pending: dict[str, Challenge] = {}
        self._lock = threading.Lock()

    def add(self, username: str, password: str) -> None:
        with self._lock:
            self._accounts[username] = (Verifier.make(self.pool_id, username, password), password)

    def answer(self, target: str, request: dict) -> tuple[int, dict] | None:
        """The reply to an SRP call, or None for a call that goes to moto as it is."""
        if target == "InitiateAuth" and request.get("AuthFlow") == "USER_SRP_AUTH":
            params = request.get("AuthParameters") or {}
            account = self._accounts.get(str(params.get("USERNAME", "")))
            if account is None:
                return 400, _WRONG
            try:
                challenge = Challenge.start(account[0], str(params.get("SRP_A", "")))
            except ValueError as exc:
                return 400, {"__type": "InvalidParameterException", "message": str(exc)}
            with self._lock:
                self._pending[challenge.secret_block] = challenge
            return 200, {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": challenge.parameters()}
        if target == "RespondToAuthChallenge" and request.get("ChallengeName") == "PASSWORD_VERIFIER":
            said = request.get("ChallengeResponses") or {}
            with self._lock:  # one answer per challenge
                challenge = self._pending.pop(str(said.get("PASSWORD_CLAIM_SECRET_BLOCK", "")), None)
            signature, when = str(said.get("PASSWORD_CLAIM_SIGNATURE", "")), str(said.get("TIMESTAMP", ""))
            if challenge is None or not challenge.verifies(self.pool_id, when, signature):
                return 400, _WRONG
            username = challenge.account.user_id
            return 200, self.tokens(str(request.get("ClientId", "")), username, self._accounts[username][1])
        if target == "RespondToAuthChallenge" and request.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            said = request.get("ChallengeResponses") or {}
            if str(said.get("USERNAME", "")) in self._accounts:  # its next SRP sign-in proves the new one
                self.add(str(said["USERNAME"]), str(said.get("NEW_PASSWORD", "")))
        return None


def page_handler(render: Callable[[], str]) -> Callable[[dict, Any], dict]:
    """Serves the desk page, rendered by ``render`` (the site's templates and brand)."""

    def handler(event: dict, context: Any) -> dict:
        headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
        return {"statusCode": 200, "headers": headers, "body": render()}

    return handler


def cognito_handler(endpoint: str, sign_in: LocalSignIn | None = None) -> Callable[[dict, Any], dict]:
    """Answers the page's Cognito calls (InitiateAuth, RespondToAuthChallenge): SRP here (see
    :class:`LocalSignIn`), the rest by the stand-in."""

    def handler(event: dict, context: Any) -> dict:
        body = event.get("body") or ""
        data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
        headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() in _FORWARDED}
        target = next((v for k, v in headers.items() if k.lower() == "x-amz-target"), "").rpartition(".")[2]
        try:
            request = json.loads(data or b"{}")
        except ValueError:
            request = None
        answered = sign_in.answer(target, request) if sign_in is not None and isinstance(request, dict) else None
        if answered is not None:
            status, reply = answered
            return {
                "statusCode": status,
                "headers": {"Content-Type": "application/x-amz-json-1.1"},
                "body": json.dumps(reply),
            }
        request = urllib.request.Request(endpoint + "/", data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                status, payload, kind = reply.status, reply.read(), reply.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            status, payload, kind = exc.code, exc.read(), exc.headers.get("Content-Type", "")
        return {
            "statusCode": status,
            "headers": {"Content-Type": kind or "application/json"},
            "body": payload.decode("utf-8"),
        }

    return handler


def desk_sign_in(stack: LocalStack) -> LocalJwt:
    """The desk's JWT authorizer, as the template configures it, on the local user pool."""
    api = stack.template["Resources"]["EditorApi"]["Properties"]
    config = stack.resolve(api["Auth"]["Authorizers"]["DeskSignIn"]["JwtConfiguration"])
    return LocalJwt(stack.endpoint, config["issuer"], config["audience"])


def seed_editor(stack: LocalStack, email: str = DESK_EDITOR, group: str = "editors") -> str:
    """Make (or renew) the local desk account ``email`` in ``group``; its new password."""
    import boto3

    cognito = boto3.client("cognito-idp", region_name=REGION, endpoint_url=stack.endpoint)
    pool = stack.refs["EditorUserPool"]
    password = "Desk-" + secrets.token_urlsafe(12) + "a1A"  # the pool's policy: 12+, upper, lower, digit
    try:
        cognito.admin_create_user(UserPoolId=pool, Username=email, MessageAction="SUPPRESS",
                                  UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}])  # fmt: skip
    except cognito.exceptions.UsernameExistsException:
        pass
    cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName=group)
    return password


def moto_tokens(stack: LocalStack) -> Callable[[str, str, str], dict]:
    """moto's answer to a sign-in whose password the door has proven (see :class:`LocalSignIn`)."""
    import boto3

    cognito = boto3.client("cognito-idp", region_name=REGION, endpoint_url=stack.endpoint)

    def tokens(client_id: str, username: str, password: str) -> dict:
        reply = cognito.admin_initiate_auth(
            UserPoolId=stack.refs["EditorUserPool"],
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        return {k: v for k, v in reply.items() if k != "ResponseMetadata"}

    return tokens
