"""Public one-click unsubscribe (RFC 8058). POST unsubscribes; GET only shows a confirmation form."""

import html

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from digest.observability import traced

logger = Logger()
app = APIGatewayHttpResolver()

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem">
<h1>{title}</h1>{body}</body></html>"""


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response(status, "text/html; charset=utf-8", PAGE.format(title=html.escape(title), body=body))


@app.get("/unsubscribe/<token>")
def confirm_page(token: str) -> Response:
    # Link scanners fetch header URLs: a GET never unsubscribes by itself.
    form = (f'<form method="post" action="/unsubscribe/{html.escape(token)}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            '<button type="submit">Unsubscribe</button></form>')
    return _page("Unsubscribe from Morning Digest?", form)


@app.post("/unsubscribe/<token>")
def one_click(token: str) -> Response:
    from digest.bootstrap import container
    from digest.services.unsubscribe import unsubscribe

    c = container()
    if not unsubscribe(token, secret=c.signing_secret, subscribers=c.subscribers):
        return _page("This link is not valid", "<p>Nothing was changed.</p>", 400)
    return _page("You are unsubscribed", "<p>You will not receive Morning Digest any more.</p>")


@logger.inject_lambda_context(clear_state=True)
@traced
def handler(event, context):
    return app.resolve(event, context)
