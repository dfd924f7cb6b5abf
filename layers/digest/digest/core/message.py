"""Build the raw MIME message of one email (text and HTML parts, RFC 8058 one-click headers)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

# Long URL headers (List-Unsubscribe) must stay one literal line: with the default 78-column
# folding, a header with no spaces is rewritten as RFC 2047 encoded-words, which the RFC 8058
# header does not allow. 998 is RFC 5322's hard line limit.
_POLICY = SMTP.clone(max_line_length=998)


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
    so the same (edition, subscriber) always has the same id.

    Examples
    --------
    >>> from datetime import timezone
    >>> raw = build_message(Envelope("News <n@example.org>", "a@example.com", "Hi", "news.example.org",
    ...     "https://u.example/t", "ed:sub"), "text", "<p>html</p>", datetime(2026, 1, 1, tzinfo=timezone.utc))
    >>> b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    True
    """
    address = parseaddr(envelope.sender)[1]
    domain = address.rpartition("@")[2] if "@" in address else "localhost"
    message = EmailMessage(policy=_POLICY)
    message["From"] = envelope.sender
    message["To"] = Address(addr_spec=envelope.to)
    message["Subject"] = envelope.subject
    message["Date"] = format_datetime(now)
    digest = hashlib.sha256(envelope.message_key.encode("utf-8")).hexdigest()[:32]
    message["Message-ID"] = f"<{digest}@{domain}>"
    if envelope.unsubscribe_url:
        message["List-Id"] = f"<{envelope.list_id}>"
        message["List-Unsubscribe"] = f"<{envelope.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()
