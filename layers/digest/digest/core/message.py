"""Build the raw MIME message of one email (text and HTML parts, RFC 8058 one-click headers).

Written directly rather than through ``email.message.EmailMessage``: the personal parts of each
recipient's copy are only a few headers and links, and the standard library's header policy and
content manager cost more than everything else in a send. Bodies are quoted-printable
(``binascii.b2a_qp``, in C), lines end with CRLF and stay under 998 characters, and only
non-ASCII header text is RFC 2047-encoded: ``List-Unsubscribe`` is always one literal line, as
RFC 8058 requires.
"""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr


@dataclass(frozen=True)
class Envelope:
    """Who, what and which list. Without ``unsubscribe_url`` (a transactional email such as the
    subscription confirmation) no list headers are written."""

    sender: str
    to: str
    subject: str
    list_id: str
    unsubscribe_url: str
    message_key: str


def build_message(envelope: Envelope, text: str, html: str, now: datetime) -> bytes:
    """A multipart/alternative message with the headers mailbox providers require.

    ``List-Unsubscribe`` carries only the HTTPS one-click URL and ``List-Unsubscribe-Post``
    says it takes a one-click POST (RFC 8058). The Message-ID is derived from ``message_key``,
    so the same (edition, subscriber) always has the same id. An address no mail system can
    carry (a non-ASCII local part) raises ``ValueError``.

    Examples
    --------
    >>> from datetime import timezone
    >>> raw = build_message(Envelope("News <n@example.org>", "a@example.com", "Hi", "news.example.org",
    ...     "https://u.example/t", "ed:sub"), "text", "<p>html</p>", datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    True
    """
    if any(c.isspace() for c in envelope.unsubscribe_url + envelope.list_id):
        raise ValueError("list headers must not contain whitespace")
    name, address = parseaddr(envelope.sender)
    name = " ".join(name.split())
    domain = address.rpartition("@")[2] if "@" in address else "localhost"
    key = hashlib.sha256(envelope.message_key.encode("utf-8")).hexdigest()
    boundary = f"=_digest_{key[:24]}"  # "=_" never occurs in quoted-printable text
    headers = [
        ("From", formataddr((name, address), charset="utf-8")),
        ("To", _recipient(envelope.to)),
        ("Subject", _text_header(envelope.subject, "Subject")),
        ("Date", format_datetime(now)),
        ("Message-ID", f"<{key[:32]}@{domain}>"),
        ("MIME-Version", "1.0"),
    ]
    if envelope.unsubscribe_url:
        headers += [("List-Id", f"<{envelope.list_id}>"), ("List-Unsubscribe", f"<{envelope.unsubscribe_url}>"),
                    ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
    headers.append(("Content-Type", f'multipart/alternative; boundary="{boundary}"'))
    lines = [f"{k}: {v}" for k, v in headers]
    for subtype, body in (("plain", text), ("html", html)):
        lines += ["", f"--{boundary}", f'Content-Type: text/{subtype}; charset="utf-8"',
                  "Content-Transfer-Encoding: quoted-printable", "", _quoted_printable(body)]
    lines += [f"--{boundary}--", ""]
    return "\r\n".join(lines).encode("ascii")


def _quoted_printable(body: str) -> str:
    lines = body.replace("\r\n", "\n").replace("\r", "\n")
    if not lines.endswith("\n"):
        lines += "\n"
    encoded = binascii.b2a_qp(lines.encode("utf-8"), quotetabs=False, istext=True, header=False)
    return encoded.decode("ascii").replace("\n", "\r\n").removesuffix("\r\n")


def _text_header(value: str, name: str) -> str:
    value = " ".join(value.split())
    if value.isascii() and "=?" not in value and len(value) < 900:
        return value
    return Header(value, "utf-8", header_name=name).encode().replace("\n", "\r\n")


def _recipient(address: str) -> str:
    local, _, domain = address.strip().rpartition("@")
    if not local or not domain or any(c.isspace() or ord(c) < 32 or c in "<>,;\"" for c in address.strip()):
        raise ValueError("not a single plain address (header injection or a list)")
    if not local.isascii():
        raise ValueError("the address's local part is not ASCII: no SMTP server without SMTPUTF8 can carry it")
    return f"{local}@{domain.encode('idna').decode('ascii')}"
