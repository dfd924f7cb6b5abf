"""Our HTTP fetcher against a real local HTTP server: caps, redirects, address checks, validators."""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from digest.adapters.http_fetch import HttpFetcher

FEED = b"<rss><channel><item><title>T</title><guid>1</guid><description>B.</description></item></channel></rss>"


class _Wire(BaseHTTPRequestHandler):
    calls: dict[str, int] = {}

    def do_GET(self):  # noqa: N802
        self.calls[self.path] = self.calls.get(self.path, 0) + 1
        if self.path == "/feed":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            self._send(FEED, ETag='"v1"', **{"Last-Modified": "Fri, 27 Nov 2026 10:00:00 GMT"})
        elif self.path == "/gzip":
            self._send(gzip.compress(FEED), **{"Content-Encoding": "gzip"})
        elif self.path == "/huge":
            self.send_response(200)
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(800):  # 50 MB
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif self.path == "/to-private":
            self._redirect("http://10.0.0.1/feed")
        elif self.path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/")
        elif self.path == "/loop":
            self._redirect("/loop")
        elif self.path == "/hop":
            self._redirect("/feed")
        elif self.path == "/flaky":
            if self.calls[self.path] < 3:
                self._send(b"busy", status=503)
            else:
                self._send(FEED)
        else:
            self._send(b"missing", status=404)

    def _send(self, body: bytes, status: int = 200, **headers):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Wire)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fetcher():
    return HttpFetcher(allow_loopback=True, timeout=5, max_bytes=1024 * 1024, backoff=0.01)


def test_fetch_returns_body_and_validators_then_not_modified(server, fetcher):
    first = fetcher.fetch(f"{server}/feed")
    assert first.status == 200 and first.body == FEED and first.etag == '"v1"'
    assert first.last_modified == "Fri, 27 Nov 2026 10:00:00 GMT"
    again = fetcher.fetch(f"{server}/feed", etag=first.etag)
    assert again.status == 304 and again.body is None and again.error is None


def test_gzip_bodies_are_unpacked(server, fetcher):
    assert fetcher.fetch(f"{server}/gzip").body == FEED


def test_a_50_megabyte_response_is_refused_at_the_cap(server, fetcher):
    result = fetcher.fetch(f"{server}/huge")
    assert result.body is None and "larger than" in result.error


def test_redirects_are_followed_and_limited(server, fetcher):
    assert fetcher.fetch(f"{server}/hop").body == FEED
    looped = fetcher.fetch(f"{server}/loop")
    assert looped.body is None and "redirects" in looped.error


@pytest.mark.parametrize("path", ["/to-private", "/to-metadata"])
def test_a_redirect_to_a_private_or_metadata_address_is_refused(server, fetcher, path):
    result = fetcher.fetch(f"{server}{path}")
    assert result.body is None and result.refused and "not a public address" in result.error


def test_deployed_mode_refuses_loopback_and_odd_schemes(server):
    strict = HttpFetcher()
    assert "not a public address" in strict.fetch(f"{server}/feed").error
    assert "only http and https" in strict.fetch("file:///etc/passwd").error


def test_server_errors_are_retried_with_backoff(server, fetcher):
    result = fetcher.fetch(f"{server}/flaky")
    assert result.body == FEED and _Wire.calls["/flaky"] == 3


def test_client_errors_are_not_retried(server, fetcher):
    result = fetcher.fetch(f"{server}/nothing-here")
    assert result.status == 404 and "HTTP 404" in result.error and _Wire.calls["/nothing-here"] == 1
