"""``digest demo --feeds``: the morning on feeds given on the command line, as they are.

Files are served over local HTTP unchanged (no date shifting, unlike the bundled samples) and URLs
are fetched as given. A feed that matches a configured source (same URL) keeps its agency; any
other is named by its own title or author, never by a source key.
"""

from __future__ import annotations

import re
import threading
from contextlib import AbstractContextManager
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from digest.core.story import Source
from digest.errors import DigestError


def feed_name(data: bytes, fallback: str) -> str:
    """The name a feed gives itself: its title, else its author, else ``fallback``.

    Examples
    --------
    >>> feed_name(b"<rss><channel><title>Tagesschau</title></channel></rss>", "feed-1")
    'Tagesschau'
    >>> feed_name(b"not a feed", "feed-1")
    'feed-1'
    """
    import feedparser

    feed: Any = feedparser.parse(data).get("feed", {})
    name = feed.get("title") or feed.get("author") or (feed.get("author_detail") or {}).get("name") or ""
    name = " ".join(str(name).split())[:80]
    return name or fallback


def _key(name: str, taken: set[str]) -> str:
    """A source key for an unconfigured feed, unique among ``taken``.

    Examples
    --------
    >>> _key("Agence Tagesschau!", {"agence-tagesschau"})
    'agence-tagesschau-2'
    """
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30] or "feed"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


class _Files(BaseHTTPRequestHandler):
    def __init__(self, *args: Any, files: list[bytes], **kwargs: Any) -> None:
        self.files = files
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        name = self.path.rsplit("/", 1)[-1]
        if not name.isdigit() or int(name) >= len(self.files):
            self.send_error(404, "no such feed")
            return
        body = self.files[int(name)]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class GivenFeeds(AbstractContextManager["GivenFeeds"]):
    """The feeds given on the command line as sources; files served on a local HTTP server meanwhile."""

    def __init__(self, targets: list[str], configured: list[Source]) -> None:
        self.targets, self.configured, self.files = targets, configured, []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Files, files=self.files))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> GivenFeeds:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def sources(self, fetch: Any) -> list[Source]:
        """One source per target; ``fetch(url)`` gives a URL's bytes (to name an unconfigured feed)."""
        by_url = {s.url: s for s in self.configured}
        taken = {s.key for s in self.configured}
        sources = []
        for n, target in enumerate(self.targets, start=1):
            if target.startswith(("http://", "https://")):
                url, data = target, (None if target in by_url else fetch(target))
            else:
                try:
                    data = Path(target).read_bytes()
                except OSError as exc:
                    raise DigestError(f"cannot read feed {target}: {exc.strerror or exc}") from exc
                self.files.append(data)
                host, port = self._server.server_address[:2]
                url = f"http://{host!s}:{port}/feeds/{len(self.files) - 1}"
            if target in by_url:
                sources.append(by_url[target])
                continue
            name = feed_name(data or b"", Path(target.rstrip("/")).stem or f"feed {n}")
            key = _key(name, taken)
            taken.add(key)
            sources.append(Source(key, name, name, url))
        return sources
