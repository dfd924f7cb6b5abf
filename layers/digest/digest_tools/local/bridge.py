"""A local stand-in for API Gateway HTTP API (payload format 2.0) in front of Lambda handlers.

Each request to 127.0.0.1 becomes the event an HTTP API would send, and the proxy response the reply
(``digest_tools.local.apigw`` translates both; ``Route`` lives there too). Gateway errors are HTTP API's: 404
(no route, or wrong method), 403 (authorizer said no), 413, 500 (handler raised or answered nonsense). Like
one warm execution environment, each handler serves one request at a time; different handlers run concurrently.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote, urlsplit

from digest_tools.local.apigw import (
    ACCOUNT,
    Handler,
    Route,
    build_event,
    proxy_response,
)

MAX_BODY = 1024 * 1024


def lambda_context(function_name: str, timeout_s: float = 30.0) -> SimpleNamespace:
    """The parts of a Lambda context object that handlers and Powertools read.

    Examples
    --------
    >>> lambda_context("morning-digest-unsubscribe").get_remaining_time_in_millis() > 29_000
    True
    """
    deadline = time.monotonic() + timeout_s
    return SimpleNamespace(
        function_name=function_name,
        memory_limit_in_mb=512,
        aws_request_id=str(uuid.uuid4()),
        invoked_function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function_name}",
        get_remaining_time_in_millis=lambda: max(0, int((deadline - time.monotonic()) * 1000)),
    )


class ApiBridge:
    """Serve ``routes`` on 127.0.0.1 from a background thread, as an HTTP API would.

    Examples
    --------
    >>> import urllib.request
    >>> hello = lambda event, context: {"statusCode": 200, "body": "hi " + event["pathParameters"]["who"]}
    >>> with ApiBridge([Route("GET", "/hello/{who}", hello)]) as api:
    ...     urllib.request.urlopen(api.url + "/hello/ada").read()
    b'hi ada'
    """

    def __init__(
        self,
        routes: list[Route],
        port: int = 0,
        max_body: int = MAX_BODY,
        timeout_s: float = 30.0,
        quiet: bool = True,
        binary_by_type: bool = True,
    ) -> None:
        # Most specific first: literal paths, then {param}s, then {greedy+}; ANY after a method.
        self.routes = sorted(
            routes, key=lambda r: ("+}" in r.path, r.path.count("{"), -len(r.path), r.method.upper() == "ANY")
        )
        self.port, self.max_body, self.timeout_s, self.quiet = port, max_body, timeout_s, quiet
        self.binary_by_type = binary_by_type  # False: every UTF-8 body is passed as text
        self.locks = {id(r.handler): threading.Lock() for r in routes}
        self._server: ThreadingHTTPServer | None = None

    def start(self, port: int | None = None) -> str:
        """Listen on ``port`` (default: the constructor's; 0: any free port); returns ``url``."""
        if self._server is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", self.port if port is None else port), _Exchange)
            self._server.bridge = self  # type: ignore[attr-defined]
            threading.Thread(target=self._server.serve_forever, name="api-bridge", daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the bridge is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ApiBridge:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for ``method`` and decoded ``path`` with its path parameters; ``None``: 404."""
        for route in self.routes:
            params = route.match(path) if route.method.upper() in (method, "ANY") else None
            if params is not None:
                return route, params
        return None


class _Exchange(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        bridge: ApiBridge = self.server.bridge  # type: ignore[attr-defined]
        self.request_id, started = str(uuid.uuid4()), time.monotonic()
        try:
            body = self._body(bridge.max_body)
        except ValueError:
            self.close_connection = True
            return self._error(400, "Bad Request")
        target = urlsplit(self.path)
        path = unquote(target.path)  # HTTP APIs route on, and pass on, the decoded path
        found = bridge.find(self.command, path)
        if body is None or found is None:
            return self._error(413, "Request Entity Too Large") if body is None else self._error(404, "Not Found")
        route, params = found
        event = build_event(
            route,
            params,
            path,
            target.query,
            body,
            method=self.command,
            protocol=self.request_version,
            headers=self.headers.items(),
            client=self.client_address[0],
            request_id=self.request_id,
            port=self.server.server_address[1],
            binary_by_type=bridge.binary_by_type,
        )
        try:
            if route.authorizer is not None:
                context = route.authorizer(event)  # the requestContext.authorizer it lets in, or None
                if context is None:
                    denied = getattr(route.authorizer, "denied_status", 403)
                    return self._error(denied, "Unauthorized" if denied == 401 else "Forbidden")
                event["requestContext"]["authorizer"] = context
            with bridge.locks[id(route.handler)]:
                reply = proxy_response(route.handler(event, lambda_context(route.name, bridge.timeout_s)))
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return self._error(500, "Internal Server Error")
        if time.monotonic() - started > bridge.timeout_s:
            return self._error(503, "Service Unavailable")  # the integration timed out
        self._send(*reply)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    def _body(self, limit: int) -> bytes | None:
        """The request body; ``None`` (after reading it all) when it is over ``limit``."""
        chunks: Iterator[bytes]
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            chunks = self._chunks()
        else:
            size = int(self.headers.get("content-length") or 0)
            chunks = (self.rfile.read(min(65536, size - n)) for n in range(0, size, 65536))
        body = bytearray()
        for chunk in chunks:
            body += chunk if len(body) <= limit else b""
        return bytes(body) if len(body) <= limit else None

    def _chunks(self) -> Iterator[bytes]:
        while (size := int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)) > 0:
            yield self.rfile.read(size)
            self.rfile.readline()
        while self.rfile.readline(65537).strip():  # trailers, then a blank line
            pass

    def _error(self, status: int, message: str) -> None:
        self._send(status, [("Content-Type", "application/json")], json.dumps({"message": message}).encode())

    def _send(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers + [("apigw-requestid", self.request_id)]:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        if not self.server.bridge.quiet:  # type: ignore[attr-defined]
            super().log_message(format, *args)


def load_handler(function_dir: Path | str) -> Handler:
    """Import ``app.py`` of a function folder under a unique module name; return its ``handler``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "app.py").write_text("def handler(event, context):\\n    return {'statusCode': 204}\\n")
    >>> load_handler(folder)({}, None)
    {'statusCode': 204}
    """
    path = Path(function_dir) / "app.py"
    name = "bridge_" + re.sub(r"\W", "_", path.parent.name) + "_" + uuid.uuid4().hex[:8]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module.handler
