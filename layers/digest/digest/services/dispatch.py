"""Dispatch: turn an edition into deterministic SQS batches of recipients, inside the send window."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from aws_lambda_powertools import Logger

from digest.core.schedule import late_reason
from digest.core.subscriber import ACTIVE
from digest.ports import EditionStore, Queue, SubscriberStore

logger = Logger(child=True)

SENDABLE = ("draft", "approved", "sending")


@dataclass(frozen=True)
class SendWindow:
    """When the morning edition may go out: ``send_at`` local time plus ``minutes`` in ``zone``."""

    zone: str = "America/New_York"
    send_at: time = time(6, 0)
    minutes: int = 120


@dataclass(frozen=True)
class DispatchResult:
    edition_date: str
    recipients: int
    messages: int
    reason: str = ""


def dispatch(day: str, *, editions: EditionStore, subscribers: SubscriberStore, queue: Queue, batch_size: int,
             now: datetime | None = None, window: SendWindow | None = None) -> DispatchResult:
    """Queue one message per ``batch_size`` active subscribers, in subscriber-id order.

    The same edition and list always give the same message bodies, so a re-run dispatch
    queues the same work and the ledger makes the repeats no-ops. With a ``window``, a trigger
    outside it (an outage, a late retry) holds the edition instead of sending a stale morning
    email; an editor's explicit send passes no window.
    """
    record = editions.latest(day)
    if record is None:
        return DispatchResult(day, 0, 0, "no edition")
    if record.status not in SENDABLE:
        return DispatchResult(day, 0, 0, f"edition is {record.status}")
    if window is not None and now is not None:
        late = late_reason(now, date.fromisoformat(day), window.zone, window.send_at, window.minutes)
        if late and record.status != "sending":
            editions.update(replace(record, status="held", reason=late))
            logger.warning("edition held", extra={"edition_date": day, "reason": late})
            return DispatchResult(day, 0, 0, late)
    ids = sorted(s.subscriber_id for s in subscribers.with_status(ACTIVE))
    bodies = [
        json.dumps({"edition_date": day, "version": record.version, "subscriber_ids": ids[i : i + batch_size]})
        for i in range(0, len(ids), batch_size)
    ]
    sent = queue.send(bodies)
    if record.status != "sending":
        editions.update(replace(record, status="sending"))
    logger.info("dispatched", extra={"edition_date": day, "recipients": len(ids), "messages": sent})
    return DispatchResult(day, len(ids), sent)
