"""SES feedback: apply the sending events SES publishes (configuration set -> SNS) to our records.

Subscribers are identified by the ``subscriber`` message tag and deliveries by the ``edition``
tag (edition emails only); an event without a subscriber tag is ``unmatched`` and changes
nothing. Every rule is idempotent, and the ledger record of one message ends the same whatever
order SNS delivers its events in: a record only moves *up* the outcome ranking (claimed < sent
or rejected < delivered < soft-bounce < bounced < complained), so a late ``Send`` or
``Delivery`` never erases a bounce or complaint. A complaint outranks a bounce on the subscriber
too: a bounce never turns a ``complained`` subscriber into a ``bounced`` one. Soft bounces are counted once per (edition, subscriber): the
ledger's ``soft-bounce`` detail is written *before* the count, so a retry after a crash can
miss a count but never counts twice.

``Open`` and ``Click`` events (published only when the stack's ``ReadTracking`` is on) are counted
per edition and per story (``digest.core.reads``) and touch neither the subscriber nor the ledger:
no reader is recorded with an open or a click. The counts are approximate (see that module).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from digest.core.reads import read_of
from digest.core.subscriber import (
    ACTIVE,
    BOUNCED,
    CLAIMED,
    COMPLAINED,
    FAILED,
    LAPSED,
    PENDING,
    SENT,
    SUPPRESSED,
    Delivery,
)
from digest.errors import StorageError
from digest.ports import Clock, Ledger
from digest.ports_reader import ReadCounts, SubscriberStore

logger = Logger(child=True)

SOFT_BOUNCE_LIMIT = 3
DELIVERED, SOFT_BOUNCE, BOUNCED_DETAIL, COMPLAINED_DETAIL = "delivered", "soft-bounce", "bounced", "complained"
_DETAIL_RANK = {DELIVERED: 2, SOFT_BOUNCE: 3, BOUNCED_DETAIL: 4, COMPLAINED_DETAIL: 5}
_SOFT_LIMIT_FROM = (ACTIVE, PENDING, LAPSED)  # statuses repeated soft bounces may end
_TAG = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what SesMailer lets through in a tag value
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
HANDLED = ("Bounce", "Complaint", "Delivery", "Send", "Reject")
READS = ("Open", "Click")
_CAS_TRIES = 5


@dataclass(frozen=True)
class FeedbackOutcome:
    """What one event meant. ``changed`` is False when it altered nothing (e.g. a duplicate)."""

    action: str
    subscriber_id: str | None
    edition: str | None
    changed: bool = False


def _rank(delivery: Delivery | None) -> int:
    if delivery is None or delivery.state == CLAIMED:
        return 0
    if delivery.state == FAILED:
        return 1
    return _DETAIL_RANK.get(delivery.detail, 1)


def _tag(tags: Mapping[str, Any], name: str) -> str | None:
    value = tags.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) and _TAG.fullmatch(value) else None


def _text(value: Any, default: str = "unspecified") -> str:
    return value.strip()[:80] if isinstance(value, str) and value.strip() else default


class Feedback:
    """Applies SES events to subscribers (suppression) and the delivery ledger (outcomes)."""

    def __init__(
        self, *, subscribers: SubscriberStore, ledger: Ledger, clock: Clock, read_counts: ReadCounts | None = None
    ) -> None:
        self.subscribers, self.ledger, self.clock = subscribers, ledger, clock
        self.read_counts = read_counts

    def handle(self, message: Any) -> FeedbackOutcome:
        """Apply one SES event record (the parsed SNS message body); never raises on bad input."""
        kind = message.get("eventType", message.get("notificationType")) if isinstance(message, dict) else None
        if not isinstance(kind, str):
            return self._done(FeedbackOutcome("malformed", None, None), kind)
        if kind in READS:
            return self._done(self._read(message), kind)
        if kind not in HANDLED:
            return self._done(FeedbackOutcome("ignored", None, None), kind)
        mail, detail = message.get("mail"), message.get(kind[0].lower() + kind[1:])
        tags = mail.get("tags", {}) if isinstance(mail, dict) else None
        message_id = mail.get("messageId") if isinstance(mail, dict) else None
        if not isinstance(tags, dict) or not isinstance(message_id, str) or not message_id:
            return self._done(FeedbackOutcome("malformed", None, None), kind)
        if kind != "Send" and not isinstance(detail, dict):
            return self._done(FeedbackOutcome("malformed", None, None), kind)
        sid, day = _tag(tags, "subscriber"), _tag(tags, "edition")
        day = day if day and _DAY.fullmatch(day) else None
        if sid is None:
            return self._done(FeedbackOutcome("unmatched", None, day), kind)
        handler = {
            "Bounce": self._bounce,
            "Complaint": self._complaint,
            "Delivery": self._delivery,
            "Send": self._send,
            "Reject": self._reject,
        }[kind]
        outcome = handler(sid, day, message_id, detail if isinstance(detail, dict) else {})
        return self._done(outcome, kind)

    def _read(self, message: dict[str, Any]) -> FeedbackOutcome:
        """Count an open or click of a reader's copy of an edition; nothing about the reader."""
        read = read_of(message)
        if read is None:  # a test copy, a transactional email, or not an SES record at all
            return FeedbackOutcome("read-unmatched", None, None)
        if self.read_counts is None:
            return FeedbackOutcome("read-uncounted", None, read.day)
        self.read_counts.add(read.day, read.kind, read.story)
        return FeedbackOutcome(read.kind, None, read.day, True)

    def _complaint(self, sid: str, day: str | None, message_id: str, complaint: dict[str, Any]) -> FeedbackOutcome:
        reason = f"complaint: {_text(complaint.get('complaintFeedbackType'))}"
        status = self._suppress(sid, COMPLAINED, reason, keep=(COMPLAINED,))  # stronger than any bounce
        ledger = self._outcome(day, sid, message_id, SENT, COMPLAINED_DETAIL, below=5)
        return FeedbackOutcome("complaint", sid, day, status or ledger)

    def _delivery(self, sid: str, day: str | None, message_id: str, _: dict[str, Any]) -> FeedbackOutcome:
        return FeedbackOutcome("delivered", sid, day, self._outcome(day, sid, message_id, SENT, DELIVERED, below=2))

    def _send(self, sid: str, day: str | None, message_id: str, _: dict[str, Any]) -> FeedbackOutcome:
        """Reconcile a claim whose outcome the sender never recorded; nothing else."""
        return FeedbackOutcome("sent", sid, day, self._outcome(day, sid, message_id, SENT, "", below=1))

    def _reject(self, sid: str, day: str | None, message_id: str, reject: dict[str, Any]) -> FeedbackOutcome:
        detail = f"rejected: {_text(reject.get('reason'))}"
        return FeedbackOutcome("rejected", sid, day, self._outcome(day, sid, message_id, FAILED, detail, below=2))

    def _bounce(self, sid: str, day: str | None, message_id: str, bounce: dict[str, Any]) -> FeedbackOutcome:
        bounce_type = bounce.get("bounceType")
        if not isinstance(bounce_type, str):
            return FeedbackOutcome("malformed", sid, day)
        if bounce_type == "Permanent":
            status = self._suppress(sid, BOUNCED, f"hard bounce: {_text(bounce.get('bounceSubType'))}", keep=SUPPRESSED)
            ledger = self._outcome(day, sid, message_id, SENT, BOUNCED_DETAIL, below=4)
            return FeedbackOutcome("hard-bounce", sid, day, status or ledger)
        if day is None:  # a transactional email: no ledger record can make the count idempotent
            return FeedbackOutcome("soft-bounce-uncounted", sid, day)
        if not self._outcome(day, sid, message_id, SENT, SOFT_BOUNCE, below=3):
            return FeedbackOutcome("soft-bounce", sid, day)  # counted before, or a worse outcome is known
        for _ in range(_CAS_TRIES):  # only the count (and status) is written, on the state read
            current = self.subscribers.get(sid)
            if current is None:
                break
            count = current.soft_bounces + 1
            changes: dict[str, object] = {"soft_bounces": count, "updated_at": self.clock.now().isoformat()}
            if count >= SOFT_BOUNCE_LIMIT and current.status in _SOFT_LIMIT_FROM:
                changes.update(status=BOUNCED, reason="repeated soft bounces")
            if self.subscribers.update(sid, changes, (current.status,), unchanged_since=current.updated_at):
                break
        return FeedbackOutcome("soft-bounce", sid, day, True)

    def _suppress(self, sid: str, status: str, reason: str, *, keep: Iterable[str]) -> bool:
        """Set ``status`` unless the subscriber is unknown or already in one of ``keep``;
        conditioned on the status read (a concurrent change is read again, never overwritten)."""
        for _ in range(_CAS_TRIES):
            current = self.subscribers.get(sid)
            if current is None or current.status in tuple(keep):
                return False
            if self.subscribers.set_status(sid, status, reason, (current.status,)):
                return True
        logger.warning("suppression kept losing to concurrent changes", extra={"subscriber_id": sid})
        return False

    def _outcome(self, day: str | None, sid: str, message_id: str, state: str, detail: str, *, below: int) -> bool:
        """Record an outcome for (day, sid) when the record's rank is below ``below``."""
        if day is None:
            return False
        for _ in range(_CAS_TRIES):  # compare-and-set: a concurrent writer (the sender, another event) wins
            current = self.ledger.get(day, sid)
            if _rank(current) >= below:
                return False
            if current == Delivery(day, sid, state, message_id, detail):
                return False
            if current is None:
                written = self.ledger.mark(day, sid, state, message_id=message_id, detail=detail, if_absent=True)
            else:
                written = self.ledger.mark(day, sid, state, message_id=message_id, detail=detail, if_current=current)
            if written:
                return True
        raise StorageError(f"the ledger record of {sid} kept changing; the event is retried")

    @staticmethod
    def _done(outcome: FeedbackOutcome, kind: Any) -> FeedbackOutcome:
        extra = {
            "event_type": kind if isinstance(kind, str) else None,
            "action": outcome.action,
            "changed": outcome.changed,
            "subscriber_id": outcome.subscriber_id,
            "edition_date": outcome.edition,
        }
        logger.info("ses event", extra=extra)
        return outcome


def delivery_stats(deliveries: Iterable[Delivery]) -> dict[str, int]:
    """Count one edition's ledger records by outcome; every record is in exactly one bucket.

    ``sent``: accepted by SES, no outcome reported yet; ``bounced`` includes soft bounces;
    ``failed``: never accepted (rejected, unusable address); ``unknown``: still claimed.

    Examples
    --------
    >>> delivery_stats([Delivery("d", "a", SENT, "m", "delivered"), Delivery("d", "b", CLAIMED)])
    {'sent': 0, 'delivered': 1, 'bounced': 0, 'complained': 0, 'failed': 0, 'unknown': 1, 'total': 2}
    """
    stats = dict.fromkeys(("sent", "delivered", "bounced", "complained", "failed", "unknown", "total"), 0)
    buckets = {
        DELIVERED: "delivered",
        SOFT_BOUNCE: "bounced",
        BOUNCED_DETAIL: "bounced",
        COMPLAINED_DETAIL: "complained",
    }
    for delivery in deliveries:
        if delivery.state == CLAIMED:
            stats["unknown"] += 1
        elif delivery.state == FAILED:
            stats["failed"] += 1
        else:
            stats[buckets.get(delivery.detail, "sent")] += 1
        stats["total"] += 1
    return stats
