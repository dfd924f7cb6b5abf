"""Public subscription API (HTTP API): subscribe, confirm, one-click unsubscribe, preferences.

RFC 8058: a POST to /unsubscribe/{token} unsubscribes at once; a GET only shows a button,
because link scanners fetch the URLs in email headers.
"""

import html
import json
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from digest.observability import lambda_entry

logger = Logger()
app = APIGatewayHttpResolver()

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem">
<h1>{title}</h1>{body}</body></html>"""


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response(status, "text/html; charset=utf-8", PAGE.format(title=html.escape(title), body=body))


def _fields() -> dict[str, str]:
    event = app.current_event
    body = event.decoded_body or ""
    if "json" in (event.headers.get("content-type") or ""):
        try:
            data = json.loads(body)
        except ValueError:
            return {}
        return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return {k: v[0] for k, v in parse_qs(body, max_num_fields=20).items()}


def _service():
    from digest.bootstrap import container

    return container().subscriptions


@app.post("/subscribe")
def subscribe() -> Response:
    fields = _fields()
    outcome = _service().subscribe(
        fields.get("email", ""), role=fields.get("role", ""), honeypot=fields.get("website", ""), source="web"
    )
    if not outcome.ok:
        return _page("Please check the address", f"<p>{html.escape(outcome.reason)}</p>", 400)
    return _page("Check your inbox", "<p>If the address can subscribe, a confirmation email is on its way.</p>", 202)


@app.get("/confirm/<token>")
def confirm(token: str) -> Response:
    outcome = _service().confirm(token)
    if not outcome.ok:
        return _page("This link did not work", f"<p>{html.escape(outcome.reason)}</p>", 400)
    return _page("You are subscribed", "<p>Your first edition arrives tomorrow morning.</p>")


@app.get("/unsubscribe/<token>")
def unsubscribe_page(token: str) -> Response:
    form = (
        f'<form method="post" action="/unsubscribe/{html.escape(token)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
    )
    return _page("Unsubscribe from Morning Digest?", form)


@app.post("/unsubscribe/<token>")
def one_click(token: str) -> Response:
    from digest.bootstrap import container
    from digest.services.unsubscribe import unsubscribe

    c = container()
    if not unsubscribe(token, secret=c.signing_secret, subscribers=c.subscribers):
        return _page("This link is not valid", "<p>Nothing was changed.</p>", 400)
    return _page("You are unsubscribed", "<p>You will not receive Morning Digest any more.</p>")


@app.get("/preferences/<token>")
def preferences_page(token: str) -> Response:
    form = (
        f'<form method="post" action="/preferences/{html.escape(token)}">'
        '<label>Time zone <input name="timezone" placeholder="America/New_York"></label> '
        '<label><input type="checkbox" name="paused" value="1"> Pause my subscription</label> '
        '<button type="submit">Save</button></form>'
    )
    return _page("Your Morning Digest preferences", form)


@app.post("/preferences/<token>")
def preferences(token: str) -> Response:
    fields = _fields()
    outcome = _service().preferences(
        token, timezone=fields.get("timezone") or None, paused=fields.get("paused", "") in ("1", "true", "on")
    )
    if not outcome.ok:
        return _page("Nothing was changed", f"<p>{html.escape(outcome.reason)}</p>", 400)
    return _page("Preferences saved", "<p>Thank you.</p>")


@lambda_entry
def handler(event, context):
    return app.resolve(event, context)
