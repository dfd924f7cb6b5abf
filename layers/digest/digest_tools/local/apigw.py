"""What API Gateway HTTP API (payload format 2.0) does around a Lambda handler, without the network.

``Route`` matches a decoded path; ``build_event`` turns a request into the event an HTTP API would
send (decoded ``rawPath``, comma-joined headers and query values, ``cookies``; bodies base64-encoded
unless their type is text/*, JSON, XML or JavaScript, as HTTP APIs do); ``iam_authorizer`` is the
authorizer context of an IAM caller; ``proxy_response`` turns what the handler returned into the reply.
``digest_tools.local.bridge`` serves these over HTTP.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from digest.adapters.clock import SystemClock

ACCOUNT = "123456789012"
Handler = Callable[[dict, Any], Any]
_TEXT = {"application/json", "application/xml", "application/javascript"}
_IAM = dict.fromkeys(("accessKey", "callerId", "cognitoIdentity", "principalOrgId", "userArn", "userId"))
_OWN = {"content-length", "transfer-encoding", "connection"}  # framing is the bridge's job
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Route:
    """A route: ``method`` (or "ANY"), ``path`` like ``/a/{id}`` or ``/b/{proxy+}``, a handler.

    ``authorizer(event)`` returns the caller's IAM identity (a dict) or ``None`` to deny (403).
    """

    method: str
    path: str
    handler: Handler
    authorizer: Callable[[dict], dict | None] | None = None
    name: str = "local-function"

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters when ``path`` (decoded) fits this route, else ``None``.

        Examples
        --------
        >>> Route("GET", "/editor/{proxy+}", print).match("/editor/a/b c")
        {'proxy': 'a/b c'}
        >>> Route("GET", "/unsubscribe/{token}", print).match("/unsubscribe/a/b") is None
        True
        """
        holes = re.findall(r"\{([^}]+)\}", self.path)
        parts = [re.escape(p) for p in re.split(r"\{[^}]+\}", self.path)]
        pattern = parts[0] + "".join(("(.+)" if h.endswith("+") else "([^/]+)") + p for h, p in zip(holes, parts[1:]))
        found = re.fullmatch(pattern, path)
        return None if found is None else {h.rstrip("+"): v for h, v in zip(holes, found.groups())}


def build_event(
    route: Route,
    params: dict[str, str],
    path: str,
    query: str,
    body: bytes,
    *,
    method: str,
    headers: Iterable[tuple[str, str]],
    client: str,
    port: int,
    request_id: str,
    protocol: str = "HTTP/1.1",
    binary_by_type: bool = True,
) -> dict:
    """The payload 2.0 event for a request that ``route`` matched with path parameters ``params``.

    Parameters
    ----------
    route, params
        The matched route and its path parameters.
    path, query, body
        The decoded path, the raw query string and the request body.
    method, headers, client, port, request_id, protocol
        The HTTP method, header pairs as received, the caller's IP, the listening port, the
        request's id and the HTTP version.
    binary_by_type : bool
        True: only text/*, JSON, XML and JavaScript bodies are passed as text; False: every UTF-8 body.

    Examples
    --------
    >>> event = build_event(Route("POST", "/f/{id}", print), {"id": "7"}, "/f/7", "a=1&a=2", b"\\x00",
    ...                     method="POST", headers=[("Cookie", "s=1; t=2")], client="127.0.0.1", port=80,
    ...                     request_id="r")
    >>> event["routeKey"], event["cookies"], event["queryStringParameters"], event["isBase64Encoded"]
    ('POST /f/{id}', ['s=1', 't=2'], {'a': '1,2'}, True)
    """
    raw = [(k.lower(), v) for k, v in headers]
    cookies = [c.strip() for k, v in raw if k == "cookie" for c in v.split(";") if c.strip()]
    joined, now = _joined((k, v) for k, v in raw if k != "cookie"), SystemClock().now().timestamp()
    joined["x-forwarded-for"] = ", ".join(filter(None, (joined.get("x-forwarded-for"), client)))
    joined.update(
        {
            "x-forwarded-port": str(port),
            "x-forwarded-proto": "http",
            "x-amzn-trace-id": f"Root=1-{int(now):08x}-{uuid.uuid4().hex[:24]}",
        }
    )
    host, when = joined.get("host", "127.0.0.1"), datetime.fromtimestamp(now, UTC)
    key = f"{route.method.upper()} {route.path}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": joined,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(":")[0].split(".")[0],
            "requestId": request_id,
            "http": {
                "method": method,
                "path": path,
                "protocol": protocol,
                "sourceIp": client,
                "userAgent": joined.get("user-agent", ""),
            },
            "routeKey": key,
            "stage": "$default",
            "timeEpoch": int(now * 1000),
            "time": f"{when:%d}/{_MONTHS[when.month - 1]}/{when:%Y:%H:%M:%S} +0000",
        },
        "isBase64Encoded": False,
    }
    extra = {
        "cookies": cookies,
        "queryStringParameters": _joined(parse_qsl(query, keep_blank_values=True)),
        "pathParameters": params,
    }
    event.update({k: v for k, v in extra.items() if v})  # HTTP APIs leave out what is empty
    mime = joined.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8") if not binary_by_type or mime.startswith("text/") or mime in _TEXT else None
    except UnicodeDecodeError:
        text = None
    if body:
        event["body"], event["isBase64Encoded"] = (
            (text, False) if text is not None else (base64.b64encode(body).decode("ascii"), True)
        )
    return event


def iam_authorizer(identity: dict) -> dict:
    """The ``requestContext.authorizer`` of a caller an IAM authorizer let in as ``identity``.

    Examples
    --------
    >>> iam_authorizer({"userId": "ada"})["iam"]["userId"], iam_authorizer({})["iam"]["accountId"]
    ('ada', '123456789012')
    """
    return {"iam": {**_IAM, "accountId": ACCOUNT, **identity}}


def proxy_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of a proxy result; like payload 2.0, anything else is a 200 JSON.

    Raises
    ------
    Exception
        For a result an HTTP API answers with a 500: a header with a line break (``ValueError``),
        a body that is not valid base64, a status code that is not a number.

    Examples
    --------
    >>> proxy_response({"statusCode": 201, "headers": {"X-A": 1}, "cookies": ["s=1"], "body": "ok"})
    (201, [('X-A', '1'), ('Set-Cookie', 's=1')], b'ok')
    >>> proxy_response({"ok": True})
    (200, [('Content-Type', 'application/json')], b'{"ok": true}')
    """
    if not isinstance(result, dict) or "statusCode" not in result:
        body = result if isinstance(result, str) else json.dumps(result)
        return 200, [("Content-Type", "application/json")], body.encode("utf-8")
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    headers += [(k, str(v)) for k, vs in (result.get("multiValueHeaders") or {}).items() for v in vs]
    headers += [("Set-Cookie", str(c)) for c in result.get("cookies") or []]
    if any(set("\r\n") & set(k + v) for k, v in headers):
        raise ValueError("a response header contains a line break")
    body = result.get("body") or ""
    payload = base64.b64decode(body, validate=True) if result.get("isBase64Encoded") else body.encode("utf-8")
    return int(result["statusCode"]), [(k, v) for k, v in headers if k.lower() not in _OWN], payload


def _joined(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        out[name] = f"{out[name]},{value}" if name in out else value
    return out
