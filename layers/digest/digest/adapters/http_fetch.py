"""Our own HTTP fetch for feeds: a deadline, a byte cap, a redirect limit, address checks.

Each hop (the first URL and every redirect) is checked before it is requested: only http(s),
and in deployed mode no loopback, link-local, private or metadata address. The host is resolved
once per hop, and the connection goes to an address that was checked (the name travels in the
Host header and, for https, in SNI, and the certificate is checked against the name), so a
resolver that answers differently the second time (DNS rebinding) cannot send us elsewhere.

``timeout`` is the whole fetch's deadline (every hop, retry and read): a server that drips one
byte at a time is cut off when it passes, by a watchdog that shuts the socket. The local demo
passes ``allow_loopback=True`` for its own feed server.
"""

from __future__ import annotations

import gzip
import http.client
import io
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

from digest.core.fetch import Fetched

USER_AGENT = "MorningDigest/0.1 (+https://news.example.org/digest)"
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 65536

Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the resolver's order (IPv6 zone ids dropped)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


class DeadlinePassed(Exception):
    """The fetch's deadline passed before a complete answer arrived."""


class _Pinned(http.client.HTTPConnection):
    """An HTTP(S) connection to checked ``addresses`` for the name ``host``; ``abort`` cuts it."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float, tls: ssl.SSLContext | None) -> None:
        super().__init__(host, port, timeout=timeout)
        self.default_port = 443 if tls is not None else 80  # Host carries the port only when it is not the default
        self.addresses, self.tls, self.aborted = addresses, tls, False
        self._lock = threading.Lock()

    def connect(self) -> None:
        failure: OSError = OSError(f"no address to connect to for {self.host}")
        for address in self.addresses:
            try:
                sock = socket.create_connection((address, self.port), self.timeout)
                break
            except OSError as exc:
                failure = exc
        else:
            raise failure
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_hostname=self.host, do_handshake_on_connect=False)
        with self._lock:
            self.sock = sock
            if self.aborted:
                raise DeadlinePassed()
        if isinstance(sock, ssl.SSLSocket):
            sock.do_handshake()  # certificate checked against the name (check_hostname)

    def abort(self) -> None:
        """Shut the socket from the watchdog thread: a blocked read returns at once."""
        with self._lock:
            self.aborted = True
            if self.sock is not None:
                try:
                    socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
                except OSError:
                    pass


class HttpFetcher:
    def __init__(
        self,
        timeout: float = 10.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_redirects: int = 3,
        allow_loopback: bool = False,
        retries: int = 2,
        backoff: float = 0.5,
        *,
        resolve: Resolver = system_resolver,
        tls: ssl.SSLContext | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout, self.max_bytes, self.max_redirects = timeout, max_bytes, max_redirects
        self.allow_loopback, self.retries, self.backoff = allow_loopback, retries, backoff
        self.resolve, self._tls, self.monotonic, self.sleep = resolve, tls, monotonic, sleep

    @property
    def tls(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()  # CERT_REQUIRED and check_hostname
        return self._tls

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """Fetch ``url`` within ``timeout`` seconds in all; server errors and network failures are
        retried with exponential backoff while the deadline allows."""
        deadline = self.monotonic() + self.timeout
        for attempt in range(self.retries + 1):
            result = self._fetch_once(url, etag, last_modified, deadline)
            transient = result.error is not None and (result.status >= 500 or result.status == 0) and not result.refused
            pause = self.backoff * 2**attempt
            if not transient or attempt == self.retries or self.monotonic() + pause >= deadline:
                return result
            self.sleep(pause)
        return result

    def _fetch_once(self, url: str, etag: str | None, last_modified: str | None, deadline: float) -> Fetched:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip", "Connection": "close"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _ in range(self.max_redirects + 1):
            refusal, addresses = self.check(current)
            if refusal:
                return Fetched(url, 0, None, error=refusal, refused=True)
            try:
                status, reply_headers, body = self._exchange(urlsplit(current), addresses, headers, deadline)
            except DeadlinePassed:
                return Fetched(url, 0, None, error=f"no complete answer within {self.timeout:g} s")
            except (OSError, http.client.HTTPException, ValueError) as exc:
                return Fetched(url, 0, None, error=f"{type(exc).__name__}: {exc}")
            if status in REDIRECTS and reply_headers.get("Location"):
                current = urljoin(current, reply_headers["Location"])
                continue
            if status == 304:
                return Fetched(url, 304, None, etag, last_modified)
            if status >= 300:
                return Fetched(
                    url, status, None, error=f"HTTP {status} {http.client.responses.get(status, '')}".strip()
                )
            return self._decoded(url, status, reply_headers, body)
        return Fetched(url, 0, None, error=f"more than {self.max_redirects} redirects", refused=True)

    def _exchange(
        self, parts: SplitResult, addresses: list[str], headers: dict[str, str], deadline: float
    ) -> tuple[int, Any, bytes | None]:
        """One request to a checked address; the body (None when over the cap, or not needed)."""
        remaining = deadline - self.monotonic()
        if remaining <= 0:
            raise DeadlinePassed()
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        conn = _Pinned(parts.hostname or "", port, addresses, min(self.timeout, remaining), self.tls if https else None)
        watchdog = threading.Timer(remaining, conn.abort)
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.request("GET", urlunsplit(("", "", parts.path or "/", parts.query, "")), headers=headers)
            reply = conn.getresponse()
            body = self._body(reply, deadline) if reply.status < 300 else None
            return reply.status, reply.headers, body
        except (OSError, http.client.HTTPException) as exc:
            if conn.aborted:
                raise DeadlinePassed() from exc
            raise
        finally:
            watchdog.cancel()
            conn.close()

    def _body(self, reply: http.client.HTTPResponse, deadline: float) -> bytes | None:
        chunks, size = [], 0
        while chunk := reply.read1(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if self.monotonic() >= deadline:
                raise DeadlinePassed()
        if reply.length:  # the connection ended before the announced length
            raise http.client.IncompleteRead(b"".join(chunks), reply.length)
        return b"".join(chunks)

    def _decoded(self, url: str, status: int, headers: Any, body: bytes | None) -> Fetched:
        too_big = f"response larger than {self.max_bytes} bytes"
        if body is None:
            return Fetched(url, status, None, error=too_big)
        if headers.get("Content-Encoding", "").lower() == "gzip":
            try:
                with gzip.GzipFile(fileobj=io.BytesIO(body)) as unzipped:
                    body = unzipped.read(self.max_bytes + 1)
            except (OSError, EOFError) as exc:
                return Fetched(url, status, None, error=f"bad gzip body: {exc}")
            if len(body) > self.max_bytes:
                return Fetched(url, status, None, error=too_big)
        return Fetched(url, status, body, headers.get("ETag"), headers.get("Last-Modified"))

    def refuse(self, url: str) -> str | None:
        """Why ``url`` must not be fetched, or ``None`` when it may be."""
        return self.check(url)[0]

    def check(self, url: str) -> tuple[str | None, list[str]]:
        """``(refusal, [])``, or ``(None, addresses)``: the checked addresses to connect to."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:  # a port out of range, a bad IPv6 literal
            return f"refused {url[:200]!r}: {exc}", []
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"refused {url[:200]!r}: only http and https URLs are fetched", []
        try:
            addresses = self.resolve(parts.hostname, port)
        except (OSError, UnicodeError, ValueError) as exc:
            return f"cannot resolve {parts.hostname}: {exc}", []
        if not addresses:
            return f"cannot resolve {parts.hostname}: no address", []
        for text in addresses:
            try:
                address = ipaddress.ip_address(text)
            except ValueError:
                return f"refused {parts.hostname}: {text!r} is not an IP address", []
            if address.is_loopback and self.allow_loopback:
                continue
            if not address.is_global or address.is_multicast:
                return f"refused {parts.hostname}: {address} is not a public address", []
        return None, addresses
