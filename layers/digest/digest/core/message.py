"""Build the raw MIME message of one email (text and HTML parts, RFC 8058 one-click headers).

Written directly rather than through ``email.message.EmailMessage``: the personal parts of each
recipient's copy are only a few headers and links, and the standard library's header policy and
content manager cost more than everything else in a send (building a whole message here was
measured 6x faster than ``EmailMessage.as_bytes()`` on the sample day's email; with the parts
encoded once, below, a recipient's copy costs about 1/70 of one: ``python -m bench delivery``).
Bodies are quoted-printable
(``binascii.b2a_qp``, in C), lines end with CRLF and stay under 998 characters, and only
non-ASCII header text is RFC 2047-encoded: ``List-Unsubscribe`` is always one literal line, as
RFC 8058 requires.

A send builds one copy per recipient of the same two parts, which differ only in a few links
(the unsubscribe and preferences URLs). ``encode_body`` quoted-printable encodes a part once
per edition; per recipient only the lines holding a recipient slot are filled and encoded
(``EncodedBody.fill``) and ``assemble`` writes the headers around the encoded parts. The
result is byte for byte what ``build_message`` makes of the personalized parts: quoted-printable
encodes line by line, so encoding a part in groups of whole lines is encoding it whole.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache


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


@dataclass(frozen=True)
class EncodedBody:
    """A body part encoded once. ``static`` is the encoded text (CRLF line ends) around the raw
    ``slot_lines`` (the lines that hold a recipient slot), one more of it than of them; ``fill``
    encodes the slot lines of one recipient's copy in place."""

    static: tuple[bytes, ...]
    slot_lines: tuple[str, ...] = ()

    def fill(self, substitute: Callable[[str], str] | None = None) -> bytes:
        """The quoted-printable body, each slot line passed through ``substitute`` first.

        Examples
        --------
        >>> body = encode_body("Café\\nLeave: SLOT\\n", slots=("SLOT",))
        >>> body.fill(lambda line: line.replace("SLOT", "https://u.example/?t=1"))
        b'Caf=C3=A9\\r\\nLeave: https://u.example/?t=3D1'
        """
        out = [self.static[0]]
        for line, after in zip(self.slot_lines, self.static[1:]):
            if substitute is not None:
                line = substitute(line).replace("\r\n", "\n").replace("\r", "\n")
            out += [_encode_lines(line), after]
        while not out[-1]:
            out.pop()
        out[-1] = out[-1][:-2]  # the part's last CRLF is the boundary line's
        return b"".join(out)


def encode_body(body: str, slots: Sequence[str] = ()) -> EncodedBody:
    """Encode ``body`` (quoted-printable, CRLF), leaving the lines holding any of ``slots`` for ``fill``.

    Examples
    --------
    >>> encode_body("a\\nb SLOT\\nc", slots=("SLOT",))
    EncodedBody(static=(b'a\\r\\n', b'c\\r\\n'), slot_lines=('b SLOT\\n',))
    """
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    if not any(slot in text for slot in slots):
        return EncodedBody((_encode_lines(text),))
    static: list[bytes] = []
    slot_lines: list[str] = []
    run: list[str] = []
    for line in text[:-1].split("\n"):  # only LF ends a line here (str.splitlines knows more)
        if any(slot in line for slot in slots):
            static.append(_encode_lines("".join(run)))
            slot_lines.append(line + "\n")
            run = []
        else:
            run.append(line + "\n")
    static.append(_encode_lines("".join(run)))
    return EncodedBody(tuple(static), tuple(slot_lines))


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
    return assemble(envelope, encode_body(text).fill(), encode_body(html).fill(), now)


def assemble(envelope: Envelope, text_qp: bytes, html_qp: bytes | None, now: datetime) -> bytes:
    """The message around parts already quoted-printable encoded (``EncodedBody.fill``); with no
    HTML part (a reader who asked for plain text only), a single text/plain message.

    Examples
    --------
    >>> from datetime import timezone
    >>> env = Envelope("N <n@example.org>", "a@example.com", "Hi", "l", "https://u.example/t", "ed:sub")
    >>> at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> assemble(env, encode_body("text").fill(), encode_body("<p>h</p>").fill(), at) == build_message(
    ...     env, "text", "<p>h</p>", at)
    True
    >>> plain = assemble(env, encode_body("text").fill(), None, at)
    >>> b"multipart" in plain, b'Content-Type: text/plain; charset="utf-8"' in plain
    (False, True)
    """
    if _WHITESPACE.search(envelope.unsubscribe_url) or _WHITESPACE.search(envelope.list_id):
        raise ValueError("list headers must not contain whitespace")
    sender, domain = _sender(envelope.sender)
    key = hashlib.sha256(envelope.message_key.encode("utf-8")).hexdigest()
    boundary = f"=_digest_{key[:24]}"  # "=_" never occurs in quoted-printable text
    lines = [
        f"From: {sender}",
        f"To: {_recipient(envelope.to)}",
        f"Subject: {_text_header(envelope.subject, 'Subject')}",
        f"Date: {_date(now.replace(microsecond=0))}",
        f"Message-ID: <{key[:32]}@{domain}>",
        "MIME-Version: 1.0",
    ]
    if envelope.unsubscribe_url:
        lines += [
            f"List-Id: <{envelope.list_id}>",
            f"List-Unsubscribe: <{envelope.unsubscribe_url}>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        ]
    if html_qp is None:
        lines += ['Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: quoted-printable"]
        return "\r\n".join(lines).encode("ascii") + b"\r\n\r\n" + text_qp
    lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
    head = "\r\n".join(lines).encode("ascii")
    part = (
        '\r\n\r\n--{}\r\nContent-Type: text/{}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
    )
    return b"".join(
        (
            head,
            part.format(boundary, "plain").encode("ascii"),
            text_qp,
            part.format(boundary, "html").encode("ascii"),
            html_qp,
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        )
    )


_WHITESPACE = re.compile(r"\s")
_UNSAFE_IN_ADDRESS = re.compile(r'[\s\x00-\x1f<>,;"]')


def _encode_lines(text: str) -> bytes:
    """Whole lines (each ending in LF) as quoted-printable with CRLF line ends."""
    return binascii.b2a_qp(text.encode("utf-8"), quotetabs=False, istext=True, header=False).replace(b"\n", b"\r\n")


@lru_cache(maxsize=4)
def _date(now: datetime) -> str:
    return format_datetime(now)


@lru_cache(maxsize=64)
def _sender(sender: str) -> tuple[str, str]:
    """The From header and the domain Message-IDs are made in."""
    name, address = parseaddr(sender)
    name = " ".join(name.split())
    domain = address.rpartition("@")[2] if "@" in address else "localhost"
    return formataddr((name, address), charset="utf-8"), domain


@lru_cache(maxsize=64)
def _text_header(value: str, name: str) -> str:
    value = " ".join(value.split())
    if value.isascii() and "=?" not in value and len(value) < 900:
        return value
    return Header(value, "utf-8", header_name=name).encode().replace("\n", "\r\n")


def _recipient(address: str) -> str:
    address = address.strip()
    local, _, domain = address.rpartition("@")
    if not local or not domain or _UNSAFE_IN_ADDRESS.search(address):
        raise ValueError("not a single plain address (header injection or a list)")
    if not local.isascii():
        raise ValueError("the address's local part is not ASCII: no SMTP server without SMTPUTF8 can carry it")
    return f"{local}@{_domain(domain)}"


@lru_cache(maxsize=4096)
def _domain(domain: str) -> str:
    """The domain as IDNA (ASCII); raises ``UnicodeError``, a ``ValueError``, for a malformed one."""
    return domain.encode("idna").decode("ascii")
