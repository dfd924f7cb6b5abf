"""The desk on ``digest serve``: its page at ``/_local/desk`` and a same-origin door to the local
Cognito stand-in at ``/_local/cognito`` (in AWS the page is on the public site and calls Cognito's
own endpoint, which allows browsers; moto's does not answer browsers' cross-origin requests).
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

PAGE, COGNITO = "/_local/desk", "/_local/cognito"
_FORWARDED = ("content-type", "x-amz-target")


def desk_url(api: str, client_id: str, region: str) -> str:
    """The page's address, its configuration in the fragment (as the stack's DeskUrl output gives it).

    >>> desk_url("http://127.0.0.1:8787", "abc", "us-east-1")
    'http://127.0.0.1:8787/_local/desk#api=http%3A%2F%2F127.0.0.1%3A8787%2Fdesk&client=abc&region=us-east-1&cognito=http%3A%2F%2F127.0.0.1%3A8787%2F_local%2Fcognito'
    """
    return f"{api}{PAGE}#" + urlencode(
        {"api": f"{api}/desk", "client": client_id, "region": region, "cognito": api + COGNITO}
    )


def page_handler(render: Callable[[], str]) -> Callable[[dict, Any], dict]:
    """Serves the desk page, rendered by ``render`` (the site's templates and brand)."""

    def handler(event: dict, context: Any) -> dict:
        headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
        return {"statusCode": 200, "headers": headers, "body": render()}

    return handler


def cognito_handler(endpoint: str) -> Callable[[dict, Any], dict]:
    """Forwards the page's Cognito calls (InitiateAuth, RespondToAuthChallenge) to the stand-in."""

    def handler(event: dict, context: Any) -> dict:
        body = event.get("body") or ""
        data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
        headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() in _FORWARDED}
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
