"""Serve the bundled sample wire feeds over local HTTP, moved to the day being demonstrated.

The samples describe the news day before ``SAMPLE_DAY``; every date in them is shifted by
whole days so that a demo of any date sees a fresh news day.
"""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

SAMPLE_DAY = date(2026, 11, 28)
_RFC822 = re.compile(r"(<pubDate>|<dc:date>)([^<]+)(</)")
_ISO = re.compile(r"(<published>|<updated>)([^<]+)(</)")


def shift_dates(xml: str, days: int) -> str:
    """Move every feed date in ``xml`` by ``days`` days.

    Examples
    --------
    >>> shift_dates("<pubDate>Fri, 27 Nov 2026 14:05:00 +0000</pubDate>", 2)
    '<pubDate>Sun, 29 Nov 2026 14:05:00 +0000</pubDate>'
    >>> shift_dates("<updated>2026-11-27T14:05:00Z</updated>", -1)
    '<updated>2026-11-26T14:05:00+00:00</updated>'
    """
    if days == 0:
        return xml

    def rfc822(m: re.Match[str]) -> str:
        try:
            when = parsedate_to_datetime(m.group(2).strip()) + timedelta(days=days)
        except (TypeError, ValueError):
            return m.group(0)
        return f"{m.group(1)}{format_datetime(when)}{m.group(3)}"

    def iso(m: re.Match[str]) -> str:
        try:
            when = datetime.fromisoformat(m.group(2).strip()) + timedelta(days=days)
        except ValueError:
            return m.group(0)
        return f"{m.group(1)}{when.isoformat()}{m.group(3)}"

    return _ISO.sub(iso, _RFC822.sub(rfc822, xml))


class _Handler(BaseHTTPRequestHandler):
    def __init__(self, *args, days: int, **kwargs):
        self.days = days
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        name = self.path.rsplit("/", 1)[-1]
        feed = resources.files("digest_tools").joinpath("samples", "feeds", name)
        if not name or not feed.is_file():
            self.send_error(404, "no such sample feed")
            return
        body = shift_dates(feed.read_text("utf-8"), self.days).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class FeedServer:
    """A background HTTP server for the sample feeds; ``url(name)`` is a feed's address."""

    def __init__(self, day: date) -> None:
        handler = partial(_Handler, days=(day - SAMPLE_DAY).days)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, name: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/feeds/{name}"
