"""Our HTTP fetcher against a real local HTTP server: caps, redirects, address checks, validators."""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import time
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
        elif self.path == "/to-bad-port":
            self._redirect(f"http://{self.headers['Host'].split(':')[0]}:99999/")
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


class _Slow(BaseHTTPRequestHandler):
    """A server that drips: one byte every half second, in the body or in the headers."""

    seen: list[str] = []

    def do_GET(self):  # noqa: N802
        self.seen.append(self.path)
        try:
            if self.path == "/drip-headers":
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfeed":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.5)
                return
            self.send_response(200)
            self.send_header("Content-Length", "16")
            self.end_headers()
            for _ in range(16):  # 8 s in all
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.5)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def slow_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_the_timeout_is_a_deadline_for_the_whole_fetch_not_per_read(slow_server, path):
    # Before: the timeout applied to each read, and a byte every 0.5 s kept a timeout=1 fetch busy for 8 s.
    fetcher = HttpFetcher(allow_loopback=True, timeout=1, retries=2, backoff=0.01)
    started = time.monotonic()
    result = fetcher.fetch(f"{slow_server}{path}")
    took = time.monotonic() - started
    assert result.body is None and "within 1 s" in result.error
    assert took < 2.5, f"the fetch took {took:.1f} s"


def test_a_redirect_to_an_impossible_port_is_a_refusal_not_a_crash(server, fetcher):
    # Before: urlsplit(...).port raised ValueError out of the fetcher and crashed the ingest run.
    result = fetcher.fetch(f"{server}/to-bad-port")
    assert result.body is None and result.refused and "99999" in result.error


def _flipping(first: str):
    """A resolver that answers a public address for the check and loopback afterwards."""
    answers = [first, "127.0.0.1"]

    def resolve(host, port):
        return [answers.pop(0) if len(answers) > 1 else answers[0]]

    return resolve


def test_dns_rebinding_cannot_reach_loopback_with_an_injected_resolver(server):
    # Before: the check resolved once and urllib resolved again to connect (it took no resolver).
    calls_before = _Wire.calls.get("/secret", 0)
    port = server.rsplit(":", 1)[1]
    fetcher = HttpFetcher(timeout=1, retries=0, resolve=_flipping("93.184.215.14"))
    result = fetcher.fetch(f"http://rebind.test:{port}/secret")
    assert result.status != 200 and result.body is None
    assert _Wire.calls.get("/secret", 0) == calls_before, "the loopback server was reached"


def test_dns_rebinding_through_the_system_resolver_connects_to_the_checked_address(server, monkeypatch):
    # Before: a 200 from loopback (the second lookup answered 127.0.0.1).
    real = socket.getaddrinfo
    answers = ["93.184.215.14", "127.0.0.1", "127.0.0.1"]

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    calls_before = _Wire.calls.get("/secret", 0)
    port = server.rsplit(":", 1)[1]
    result = HttpFetcher(timeout=1, retries=0).fetch(f"http://rebind.test:{port}/secret")
    assert result.status != 200 and result.body is None
    assert _Wire.calls.get("/secret", 0) == calls_before, "the loopback server was reached"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """An HTTPS server whose certificate names wire.test; it records SNI and Host."""
    cert, key = _certificate(tmp_path_factory.mktemp("tls"), "wire.test")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    seen: dict[str, list[str]] = {"sni": [], "host": []}
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)

    class _Tls(_Wire):
        def do_GET(self):  # noqa: N802
            seen["host"].append(self.headers.get("Host"))
            super().do_GET()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Tls)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    client = ssl.create_default_context(cafile=str(cert))
    yield httpd.server_address[1], client, seen
    httpd.shutdown()
    httpd.server_close()


def _certificate(folder, name):
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime(2020, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * 30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_https_connects_to_the_checked_address_with_the_name_in_sni_and_host(tls_server):
    port, client, seen = tls_server
    fetcher = HttpFetcher(allow_loopback=True, timeout=5, retries=0, tls=client, resolve=lambda host, p: ["127.0.0.1"])
    result = fetcher.fetch(f"https://wire.test:{port}/feed")
    assert result.status == 200 and result.body == FEED
    assert seen["sni"][-1] == "wire.test" and seen["host"][-1] == f"wire.test:{port}"


def test_https_checks_the_certificate_against_the_name_not_the_address(tls_server):
    port, client, seen = tls_server
    fetcher = HttpFetcher(allow_loopback=True, timeout=5, retries=0, tls=client, resolve=lambda host, p: ["127.0.0.1"])
    result = fetcher.fetch(f"https://other.test:{port}/feed")
    assert result.body is None and "certificate" in result.error.lower()
