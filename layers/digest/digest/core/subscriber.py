"""Subscribers and their delivery records."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

ACTIVE = "active"
PENDING = "pending"
UNSUBSCRIBED = "unsubscribed"
BOUNCED = "bounced"
COMPLAINED = "complained"
LAPSED = "lapsed"
# Addresses we must never email again (unless they subscribe anew and confirm).
SUPPRESSED = (BOUNCED, COMPLAINED)


def normalize_address(address: str) -> str:
    """Lower-cased, trimmed e-mail address.

    Examples
    --------
    >>> normalize_address("  Ada.Reader@Example.COM ")
    'ada.reader@example.com'
    """
    return address.strip().lower()


def subscriber_id(address: str) -> str:
    """An opaque, stable id for an address, safe to log.

    Examples
    --------
    >>> subscriber_id("Ada@Example.com") == subscriber_id("ada@example.com")
    True
    """
    return "sub-" + hashlib.sha256(normalize_address(address).encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class Subscriber:
    """A subscriber. Logs name them by ``subscriber_id`` only, never by address.

    ``trial_end`` is an ISO date ("" for plans without an end); ``role`` is what they said at
    sign-up ("student", "faculty" or ""); ``reason`` explains the last status change.

    Delivery: ``timezone`` (an IANA name; "" until the reader chooses one: the newsroom's zone),
    ``send_hour`` (local hour 0-23; ``None`` until chosen: the newsroom's delivery hour),
    ``audio`` (the Listen link), ``plain_text`` (a text-only email) and ``paused_until`` (an ISO
    date; with ``paused``, no edition dated before it is sent).
    """

    subscriber_id: str
    email: str
    status: str = PENDING
    plan: str = "trial"
    timezone: str = ""
    name: str = ""
    trial_end: str = ""
    role: str = ""
    source: str = ""
    created_at: str = ""
    updated_at: str = ""
    soft_bounces: int = 0
    paused: bool = False
    reminded: bool = False
    reason: str = ""
    send_hour: int | None = None
    audio: bool = True
    plain_text: bool = False
    paused_until: str = ""

    @property
    def receives_editions(self) -> bool:
        """Active and not paused: whom a send may mail right now (a dated pause is lifted by
        the dispatch of the first edition on or after its date, see :meth:`pause_over`)."""
        return self.status == ACTIVE and not self.paused

    def pause_over(self, day: str) -> bool:
        """Whether the reader paused until a date and the edition of ``day`` (ISO) is on or after it.

        Examples
        --------
        >>> away = Subscriber("sub-1", "a@example.com", ACTIVE, paused=True, paused_until="2026-12-10")
        >>> away.pause_over("2026-12-09"), away.pause_over("2026-12-10")
        (False, True)
        """
        return self.paused and bool(self.paused_until) and day >= self.paused_until

    def receives_on(self, day: str) -> bool:
        """Whether the edition of ``day`` (ISO) is for this reader: active, and not paused or
        paused only until a date on or before ``day``.

        Examples
        --------
        >>> Subscriber("sub-1", "a@example.com", ACTIVE, paused=True).receives_on("2030-01-01")
        False
        """
        return self.status == ACTIVE and (not self.paused or self.pause_over(day))


# Ledger states of one (edition, subscriber) delivery.
CLAIMED = "claimed"  # written before the SES call; the outcome is unknown until marked
SENT = "sent"
FAILED = "failed"


@dataclass(frozen=True)
class Delivery:
    edition_id: str
    subscriber_id: str
    state: str
    message_id: str = ""
    detail: str = ""
    # ISO time of the last change, kept by the store (a claim's age tells how long ago it was made);
    # not part of a record's identity or equality.
    updated_at: str = field(default="", compare=False)
    # A claim's owner: the token of the one send attempt that wrote it ("" on other states). The
    # attempt that finds its own token (a lost reply to its claim) may go on; nobody else may.
    owner: str = field(default="", compare=False)
