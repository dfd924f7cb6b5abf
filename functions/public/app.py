"""Public subscription API (HTTP API): the reader's pages and what their forms post.

GET shows, POST acts: a confirmation link shows a button whose POST confirms, and an unsubscribe
link shows a button whose POST unsubscribes (RFC 8058's one-click POST too), because mail scanners
follow links. Forms get the page back with its state; JSON requests get JSON. Pages are the
templates in templates/site/ (digest.core.site). A sign-up is counted against the sign-up limits
(per client address: the request's ``sourceIp``) and queued; the confirm function sends the email,
so every address gets the same answer at the same speed (digest.services.subscribe).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from digest.observability import lambda_entry

logger = Logger()
app = APIGatewayHttpResolver()

MAX_FIELDS = 20
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


class BadRequest(ValueError):
    """A request body that cannot be read: answered 400, never a function error."""


@app.exception_handler(BadRequest)
def bad_request(exc: BadRequest) -> Response:
    if _wants_json():
        return Response(400, "application/json", json.dumps({"message": str(exc)}), NO_STORE)
    return _page("signup", 400, state="error", problem=str(exc), email="")


def _wants_json() -> bool:
    headers = app.current_event.headers
    return "json" in (headers.get("content-type") or "") or "json" in (headers.get("accept") or "").split(",")[0]


def _fields() -> dict[str, str]:
    """The posted fields (form or JSON object of scalars); ``BadRequest`` when unreadable."""
    event = app.current_event
    try:
        body = event.decoded_body or ""
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("the request body is not UTF-8 text") from exc
    if "json" in (event.headers.get("content-type") or ""):
        try:
            data = json.loads(body) if body.strip() else {}
        except (ValueError, RecursionError) as exc:
            raise BadRequest("the request body is not valid JSON") from exc
        if not isinstance(data, dict) or len(data) > MAX_FIELDS:
            raise BadRequest(f"send one JSON object of at most {MAX_FIELDS} fields")
        if any(isinstance(v, dict | list) for v in data.values()):
            raise BadRequest("JSON fields must be plain values")
        return {
            str(k): ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v)) for k, v in data.items()
        }
    try:
        pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"send a form of at most {MAX_FIELDS} fields") from exc
    return dict(pairs)  # a repeated name keeps its last value (a checkbox after its hidden "0")


def _site() -> Any:
    from digest.bootstrap import container

    c = container()
    return c, c.subscriptions


def _page(name: str, code: int = 200, **context: Any) -> Response:
    from digest.core.site import HTML, render_page, security_headers

    c, subs = _site()
    html = render_page(c.env, name, c.brand, subs.site, **context)
    return Response(code, HTML, html, {**NO_STORE, **security_headers(html, subs.site)})


def _json(code: int, **body: Any) -> Response:
    return Response(code, "application/json", json.dumps(body), NO_STORE)


@app.get("/")
@app.get("/subscribe")
def signup_page() -> Response:
    return _page("signup", state="form", problem="", email="")


@app.get("/students")
def students_page() -> Response:
    return _page("students", state="form", problem="", email="", role="student")


@app.post("/subscribe")
def subscribe() -> Response:
    fields = _fields()
    email, role = fields.get("email", "")[:320], fields.get("role", "")
    _, subs = _site()
    client = app.current_event.request_context.http.source_ip or ""
    outcome = subs.subscribe(email, role=role, honeypot=fields.get("website", ""), source="web", client=client)
    page = "students" if fields.get("page") == "students" else "signup"
    if _wants_json():
        return _json(202, status="pending") if outcome.ok else _json(400, message=outcome.reason)
    if not outcome.ok:
        return _page(page, 400, state="error", problem=outcome.reason, email=email, role=role)
    return _page(page, 202, state="sent", problem="", email="", role=role)


@app.get("/confirm/<token>")
def confirm_page(token: str) -> Response:
    _, subs = _site()
    outcome = subs.check_confirmation(token)
    action = f"{subs.site.api_url}/confirm/{token}"
    if not outcome.ok:
        return _page("confirm", 400, state="error", problem=outcome.reason, action_url=action)
    return _page("confirm", state="ask", problem="", action_url=action)


@app.post("/confirm/<token>")
def confirm(token: str) -> Response:
    _, subs = _site()
    outcome = subs.confirm(token)
    if _wants_json():
        return _json(200, status="active") if outcome.ok else _json(400, message=outcome.reason)
    if not outcome.ok:
        return _page("confirm", 400, state="error", problem=outcome.reason, action_url="")
    return _page("confirm", state="done", problem="", action_url="", welcome=outcome.welcome)


@app.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> Response:
    return _unsubscribe_page(token, "ask")


@app.post("/unsubscribe/<token>")
def one_click(token: str) -> Response:
    _, subs = _site()
    done = subs.account.unsubscribe(token, _fields().get("reason", ""))
    return _unsubscribe_page(token, "done") if done else _unsubscribe_page(token, "error", 400)


def _unsubscribe_page(token: str, state: str, code: int = 200) -> Response:
    api = _site()[1].site.api_url
    return _page(
        "unsubscribe",
        code,
        state=state,
        action_url=f"{api}/unsubscribe/{token}",
        preferences_url=f"{api}/preferences/{token}",
    )


@app.get("/preferences/<token>")
def preferences_page(token: str) -> Response:
    return _preferences(token, _site()[1].account.view(token))


@app.post("/preferences/<token>")
def preferences(token: str) -> Response:
    fields = _fields()
    account = _site()[1].account
    if fields.get("action") == "resubscribe":
        return _preferences(token, account.resubscribe(token))
    return _preferences(token, account.save(token, fields))


def _preferences(token: str, account: Any) -> Response:
    from digest.core.preferences import hour_label, zone_groups
    from digest.services.reader import STORED

    reader = _site()[1].account
    api = _site()[1].site.api_url
    if _wants_json():
        body = {"status": account.status, "saved": account.saved, "problems": list(account.problems)}
        return _json(200 if account.ok and not account.problems else 400, **body, preferences=vars(account.prefs))
    if not account.ok:
        state = "error"
    elif account.status == "pending" and account.saved:
        state = "resubscribed"
    else:
        state = "form" if account.status == "active" else "closed"
    first, last = reader.pause_bounds()
    return _page(
        "preferences",
        400 if state == "error" or account.problems else 200,
        state=state,
        problems=list(account.problems),
        saved=account.saved,
        status=account.status,
        action_url=f"{api}/preferences/{token}",
        unsubscribe_url=f"{api}/unsubscribe/{token}",
        prefs=account.prefs,
        zones=zone_groups(reader.zones),
        hours=[(h, hour_label(h)) for h in range(24)],
        today=first,
        last_day=last,
        fields=STORED,
    )


@lambda_entry
def handler(event, context):
    return app.resolve(event, context)
