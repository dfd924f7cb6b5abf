"""Subscribers and their delivery records."""

from __future__ import annotations

import hashlib
import hmac
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


ID_PREFIX = "sub-"
KEYED_HEX, LEGACY_HEX = 32, 24  # hex digits after the prefix: a keyed id is longer than a legacy one
# The item left under a legacy id once its record has moved to the keyed id: no address, its
# ``reason`` names the keyed id (see :func:`moved_record`). Never a reader's status.
MOVED = "moved"
STATUSES = (ACTIVE, PENDING, UNSUBSCRIBED, BOUNCED, COMPLAINED, LAPSED)  # a reader's record is in one


def id_key(secret: str) -> bytes:
    """The key subscriber ids are made with, derived from the stack's signing secret:
    HMAC-SHA256(secret, "subscriber-id"), so ids and link tokens never share a key.

    Examples
    --------
    >>> len(id_key("k")), id_key("k") == id_key("j")
    (32, False)
    """
    if not secret:
        raise ValueError("subscriber ids need the signing secret")
    return hmac.new(secret.encode("utf-8"), b"subscriber-id", hashlib.sha256).digest()


def subscriber_id(address: str, key: bytes) -> str:
    """An opaque, stable id for an address, safe to log: a keyed hash (HMAC-SHA256 with
    :func:`id_key`), so nobody without the key can test a guessed address against it.

    Examples
    --------
    >>> key = id_key("stack secret")
    >>> subscriber_id("Ada@Example.com", key) == subscriber_id("ada@example.com", key)
    True
    >>> subscriber_id("ada@example.com", key) == subscriber_id("ada@example.com", id_key("other"))
    False
    >>> len(subscriber_id("ada@example.com", key)), is_legacy_id(subscriber_id("ada@example.com", key))
    (36, False)
    """
    if not key:
        raise ValueError("a subscriber id needs a key")
    digest = hmac.new(key, normalize_address(address).encode("utf-8"), hashlib.sha256).hexdigest()
    return ID_PREFIX + digest[:KEYED_HEX]


def legacy_subscriber_id(address: str) -> str:
    """The unkeyed id records had before keyed ids (``sha256(address)[:24]``): read, never made anew.

    Examples
    --------
    >>> legacy_subscriber_id("Ada@Example.com")
    'sub-b5fc85e55755f9e0d030a10a'
    >>> is_legacy_id(legacy_subscriber_id("ada@example.com"))
    True
    """
    return ID_PREFIX + hashlib.sha256(normalize_address(address).encode("utf-8")).hexdigest()[:LEGACY_HEX]


def is_legacy_id(value: str) -> bool:
    """Whether ``value`` has the shape of a legacy (unkeyed) id.

    Examples
    --------
    >>> is_legacy_id("sub-" + "a" * 24), is_legacy_id("sub-" + "a" * 32), is_legacy_id("sub-1")
    (True, False, False)
    """
    tail = value[len(ID_PREFIX) :]
    return value.startswith(ID_PREFIX) and len(tail) == LEGACY_HEX and all(c in "0123456789abcdef" for c in tail)


@dataclass(frozen=True)
class SubscriberIds:
    """Makes the ids of addresses with one key (see :func:`subscriber_id`).

    Examples
    --------
    >>> ids = SubscriberIds.from_secret("stack secret")
    >>> ids.of("ada@example.com") == subscriber_id("ada@example.com", id_key("stack secret"))
    True
    >>> ids.candidates("ada@example.com")[1] == legacy_subscriber_id("ada@example.com")
    True
    """

    key: bytes = field(repr=False)

    @classmethod
    def from_secret(cls, secret: str) -> SubscriberIds:
        return cls(id_key(secret))

    def of(self, address: str) -> str:
        """The id a new record for ``address`` gets."""
        return subscriber_id(address, self.key)

    def candidates(self, address: str) -> tuple[str, str]:
        """Where a record for ``address`` may be: its keyed id, then its legacy id."""
        return self.of(address), legacy_subscriber_id(address)


@dataclass(frozen=True)
class Subscriber:
    """A subscriber. Logs name them by ``subscriber_id`` only, never by address.

    ``trial_end`` is an ISO date ("" for plans without an end); ``role`` is what they said at
    sign-up ("student", "faculty" or ""); ``reason`` explains the last status change.

    Delivery: ``timezone`` (an IANA name; "" until the reader chooses one: the newsroom's zone),
    ``send_hour`` (local hour 0-23; ``None`` until chosen: the newsroom's delivery hour),
    ``audio`` (the Listen link), ``plain_text`` (a text-only email) and ``paused_until`` (an ISO
    date; with ``paused``, no edition dated before it is sent).

    A record moved from a legacy id keeps it in ``moved_from``, with ``moved_on``: the last edition
    date whose copies it is recorded under in the delivery ledger (see :meth:`ledger_id`).
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
    moved_from: str = ""
    moved_on: str = ""

    @property
    def moved_to(self) -> str:
        """The keyed id this legacy id's record moved to ("" for a reader's own record).

        Examples
        --------
        >>> moved_record("sub-" + "a" * 24, "sub-" + "b" * 32, "2026-12-02T08:00:00+00:00").moved_to[:6]
        'sub-bb'
        """
        return self.reason if self.status == MOVED else ""

    def ledger_id(self, day: str) -> str:
        """The id this reader's copy of ``day``'s edition (ISO) is claimed and recorded under in
        the delivery ledger: for a record moved from a legacy id, that id for editions dated up to
        ``moved_on`` (their sends may have begun before the move, under it), so a batch queued
        before the move and one queued after claim the same record; its own id after.

        >>> moved = Subscriber("sub-" + "b" * 32, "a@x.org", moved_from="sub-" + "a" * 24, moved_on="2026-12-03")
        >>> moved.ledger_id("2026-12-03")[:6], moved.ledger_id("2026-12-04")[:6]
        ('sub-aa', 'sub-bb')
        """
        return self.moved_from if self.moved_from and day <= self.moved_on else self.subscriber_id

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


def moved_record(legacy_id: str, keyed_id: str, at: str) -> Subscriber:
    """The item that replaces a legacy record once it has moved to ``keyed_id``: no address,
    only where the record went (so links and SES tags carrying the legacy id still resolve)."""
    return Subscriber(legacy_id, "", MOVED, plan="", reason=keyed_id, updated_at=at)


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
