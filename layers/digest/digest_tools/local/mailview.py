"""The local mail view of ``digest serve``: every email the local SES accepted, listed and rendered.

moto keeps the raw messages SES accepted (``/moto-api/data.json``); this view lists them (newest
first: subject, recipient, edition) at ``/_local/mail`` and shows one rendered, as a mail program
would, at ``/_local/mail/{n}`` (its HTML part; the text part when it has none).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

PATH = "/_local/mail"


def parse(raw: str) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw.encode("utf-8", "surrogateescape"))
    assert isinstance(message, EmailMessage)
    return message


def mail_handler(sent: Callable[[], list[dict[str, Any]]]) -> Callable[[dict, Any], dict]:
    """A Lambda-shaped handler serving the mail view from ``sent()`` (moto's accepted messages).

    Examples
    --------
    >>> raw = "Subject: Hello\\nTo: a@example.org\\nContent-Type: text/html\\n\\n<p>Hi</p>"
    >>> view = mail_handler(lambda: [{"raw_data": raw, "destinations": ["a@example.org"]}])
    >>> "Hello" in view({"rawPath": PATH, "pathParameters": {}}, None)["body"]
    True
    >>> view({"rawPath": PATH + "/1", "pathParameters": {"n": "1"}}, None)["body"]
    '<p>Hi</p>'
    >>> view({"rawPath": PATH + "/9", "pathParameters": {"n": "9"}}, None)["statusCode"]
    404
    """

    def handle(event: dict, context: Any) -> dict:
        messages = sent()
        number = (event.get("pathParameters") or {}).get("n")
        if number is None:
            return _page(200, _listing(messages))
        if not number.isdigit() or not 1 <= int(number) <= len(messages):
            return _page(404, f"<p>There is no email {html.escape(number)}: <a href='{PATH}'>all emails</a>.</p>")
        return _page(200, _rendered(parse(messages[int(number) - 1].get("raw_data", ""))), wrap=False)

    return handle


def _listing(messages: list[dict[str, Any]]) -> str:
    rows = []
    for n in range(len(messages), 0, -1):
        message = parse(messages[n - 1].get("raw_data", ""))
        to = ", ".join(dict.fromkeys(messages[n - 1].get("destinations") or [])) or str(message.get("To", ""))
        cells = [
            f"<a href='{PATH}/{n}'>{html.escape(str(message.get('Subject', '(no subject)')))}</a>",
            html.escape(to),
            html.escape(str(message.get("Date", ""))),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    table = "<table><tr><th>subject</th><th>to</th><th>date</th></tr>" + "".join(rows) + "</table>"
    return f"<h1>Emails the local SES accepted ({len(messages)})</h1>" + (table if rows else "<p>None yet.</p>")


def _rendered(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html", "plain"))
    if part is None:
        return "<p>This email has no readable part.</p>"
    content = part.get_content()
    return str(content) if part.get_content_subtype() == "html" else f"<pre>{html.escape(str(content))}</pre>"


def _page(status: int, body: str, wrap: bool = True) -> dict:
    if wrap:
        body = (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Local mail</title>"
            "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;text-align:left}</style>"
            f"</head><body>{body}</body></html>"
        )
    return {"statusCode": status, "headers": {"content-type": "text/html; charset=utf-8"}, "body": body}
