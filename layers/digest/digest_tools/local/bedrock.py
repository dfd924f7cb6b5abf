"""A local stand-in for Amazon Bedrock Runtime's Converse API, over HTTP (moto has no Bedrock runtime).

boto3 reaches it through ``endpoint_url`` (``BEDROCK_ENDPOINT_URL``): it answers
``POST /model/{modelId}/converse`` with JSON shaped like Bedrock's (``output.message.content``,
``stopReason``, ``usage``, ``metrics``), and errors the way Bedrock sends them (status code,
``x-amzn-ErrorType`` header, ``{"message": ...}``). What it answers is chosen per use: the
``answer`` callable gets the model id and the request and returns the text, or a :class:`Canned`
reply (another stop reason, an error). :func:`faithful` writes a summary from the reports in the
prompt, credited sentence by sentence; :func:`hallucinated` does the same with one figure changed.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from digest.core.text import sentences

_PATH = re.compile(r"^/model/([^/]+)/converse$")
_REPORT = re.compile(r'^Report \d+ \(credit: "(?P<credit>[^"]+)"\)\nHeadline: .*\nText: (?P<text>.*)$', re.MULTILINE)
_NUMBER = re.compile(r"\b\d+\b")


@dataclass(frozen=True)
class Canned:
    """A reply other than a plain answer: another ``stop`` reason, or an ``error`` code (e.g.
    ``ThrottlingException``) sent with HTTP ``status``."""

    text: str = ""
    stop: str = "end_turn"
    status: int = 200
    error: str = ""


Answer = Callable[[str, dict[str, Any]], "str | Canned"]


def _reports(request: dict[str, Any]) -> list[tuple[str, str]]:
    prompt = "".join(b.get("text", "") for m in request.get("messages", []) for b in m.get("content", []))
    return [(m["credit"], m["text"]) for m in _REPORT.finditer(prompt)]


def faithful(model_id: str, request: dict[str, Any], max_words: int = 120) -> str:
    """The newest report's first sentences (at most three, within ``max_words``), each credited.

    Examples
    --------
    >>> prompt = 'Report 1 (credit: "Reuters")\\nHeadline: H\\nText: Eleven died. Roads closed.'
    >>> faithful("m", {"messages": [{"role": "user", "content": [{"text": prompt}]}]})
    'Eleven died, Reuters reported. Roads closed, Reuters reported.'
    """
    reports = _reports(request)
    if not reports:
        return ""
    credit, text = reports[0]
    chosen: list[str] = []
    for sentence in sentences(text)[:3]:
        line = f"{sentence.rstrip().rstrip('.')}, {credit} reported."
        if chosen and len(" ".join([*chosen, line]).split()) > max_words:
            break
        chosen.append(line)
    return " ".join(chosen)


def hallucinated(model_id: str, request: dict[str, Any]) -> str:
    """:func:`faithful` with its first figure raised by three (or, without one, an invented official).

    Examples
    --------
    >>> prompt = 'Report 1 (credit: "Reuters")\\nHeadline: H\\nText: The toll rose to 11.'
    >>> hallucinated("m", {"messages": [{"role": "user", "content": [{"text": prompt}]}]})
    'The toll rose to 14, Reuters reported.'
    """
    text = faithful(model_id, request)
    changed = _NUMBER.sub(lambda m: str(int(m.group()) + 3), text, count=1)
    if changed != text:
        return changed
    credit = _reports(request)[0][0] if text else "Reuters"
    return f"{text} Deputy Minister Jorge Almeida called it a turning point, {credit} reported.".strip()


class _Handler(BaseHTTPRequestHandler):
    stand_in: LocalBedrock

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        match = _PATH.match(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        try:
            request = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._error(400, "ValidationException", "the request body is not JSON")
        if match is None:
            return self._error(404, "UnknownOperationException", f"no such operation: POST {self.path}")
        model_id = unquote(match.group(1))
        problem = _invalid(request)
        if problem:
            return self._error(400, "ValidationException", problem)
        self.stand_in.requests.append((model_id, request))
        reply = self.stand_in.answer(model_id, request)
        canned = reply if isinstance(reply, Canned) else Canned(reply)
        if canned.error:
            return self._error(canned.status if canned.status != 200 else 400, canned.error, "stand-in error")
        given = sum(len(json.dumps(request.get(k, ""))) for k in ("system", "messages"))
        usage = {"inputTokens": math.ceil(given / 4), "outputTokens": math.ceil(len(canned.text) / 4)}
        usage["totalTokens"] = usage["inputTokens"] + usage["outputTokens"]
        message = {"role": "assistant", "content": [{"text": canned.text}]}
        body = {"output": {"message": message}, "stopReason": canned.stop, "usage": usage, "metrics": {"latencyMs": 1}}
        self._send(200, body)

    def _error(self, status: int, code: str, message: str) -> None:
        self._send(status, {"message": message}, {"x-amzn-ErrorType": code})

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def _invalid(request: dict[str, Any]) -> str:
    """What Bedrock's validation would refuse in a Converse request ("" when it is well formed)."""
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    if any(m.get("role") not in ("user", "assistant") or not m.get("content") for m in messages):
        return "messages: each message needs a role (user or assistant) and content"
    guardrail = request.get("guardrailConfig")
    if guardrail is not None and not (guardrail.get("guardrailIdentifier") and guardrail.get("guardrailVersion")):
        return "guardrailConfig: guardrailIdentifier and guardrailVersion are required"
    if int(request.get("inferenceConfig", {}).get("maxTokens", 1)) < 1:
        return "inferenceConfig.maxTokens: must be at least 1"
    return ""


class LocalBedrock:
    """A background HTTP server that speaks Converse; ``url`` is its ``endpoint_url``,
    ``requests`` the (model id, request) pairs it answered, ``answer`` what it says next."""

    def __init__(self, answer: Answer = faithful) -> None:
        self.answer = answer
        self.requests: list[tuple[str, dict[str, Any]]] = []
        handler = type("Handler", (_Handler,), {"stand_in": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> LocalBedrock:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
