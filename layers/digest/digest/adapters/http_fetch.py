"""Our own HTTP fetch for feeds: timeouts, a byte cap, a redirect limit, address checks.

Each hop (the first URL and every redirect) is checked before it is requested: only http(s),
and in deployed mode no loopback, link-local, private or metadata address. The local demo
passes ``allow_loopback=True`` for its own feed server.
"""

from __future__ import annotations

import gzip
import http.client
import io
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

from digest.core.fetch import Fetched

USER_AGENT = "MorningDigest/0.1 (+https://news.example.org/digest)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # we follow redirects ourselves, hop by hop
        return None


class HttpFetcher:
    def __init__(
        self,
        timeout: float = 10.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_redirects: int = 3,
        allow_loopback: bool = False,
        retries: int = 2,
        backoff: float = 0.5,
    ) -> None:
        self.timeout, self.max_bytes, self.max_redirects = timeout, max_bytes, max_redirects
        self.allow_loopback, self.retries, self.backoff = allow_loopback, retries, backoff
        self._opener = urllib.request.build_opener(_NoRedirect)

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """Fetch ``url``; server errors and network failures are retried with exponential backoff."""
        for attempt in range(self.retries + 1):
            result = self._fetch_once(url, etag, last_modified)
            transient = result.error is not None and (result.status >= 500 or result.status == 0) and not result.refused
            if not transient or attempt == self.retries:
                return result
            time.sleep(self.backoff * 2**attempt)
        return result

    def _fetch_once(self, url: str, etag: str | None, last_modified: str | None) -> Fetched:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _ in range(self.max_redirects + 1):
            refusal = self.refuse(current)
            if refusal:
                return Fetched(url, 0, None, error=refusal, refused=True)
            try:
                with self._opener.open(urllib.request.Request(current, headers=headers), timeout=self.timeout) as reply:
                    return self._read(url, reply)
            except urllib.error.HTTPError as exc:
                if exc.code in (301, 302, 303, 307, 308) and exc.headers.get("Location"):
                    current = urljoin(current, exc.headers["Location"])
                    continue
                if exc.code == 304:
                    return Fetched(url, 304, None, etag, last_modified)
                return Fetched(url, exc.code, None, error=f"HTTP {exc.code} {exc.reason}")
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
                return Fetched(url, 0, None, error=f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}")
        return Fetched(url, 0, None, error=f"more than {self.max_redirects} redirects", refused=True)

    def _read(self, url: str, reply) -> Fetched:
        body = reply.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            return Fetched(url, reply.status, None, error=f"response larger than {self.max_bytes} bytes")
        if reply.headers.get("Content-Encoding", "").lower() == "gzip":
            try:
                with gzip.GzipFile(fileobj=io.BytesIO(body)) as unzipped:
                    body = unzipped.read(self.max_bytes + 1)
            except (OSError, EOFError) as exc:
                return Fetched(url, reply.status, None, error=f"bad gzip body: {exc}")
            if len(body) > self.max_bytes:
                return Fetched(url, reply.status, None, error=f"response larger than {self.max_bytes} bytes")
        return Fetched(url, reply.status, body, reply.headers.get("ETag"), reply.headers.get("Last-Modified"))

    def refuse(self, url: str) -> str | None:
        """Why ``url`` must not be fetched, or ``None`` when it may be."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"refused {url!r}: only http and https URLs are fetched"
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError) as exc:
            return f"cannot resolve {parts.hostname}: {exc}"
        for info in infos:
            address = ipaddress.ip_address(info[4][0].split("%")[0])
            if address.is_loopback and self.allow_loopback:
                continue
            if not address.is_global or address.is_multicast:
                return f"refused {parts.hostname}: {address} is not a public address"
        return None
