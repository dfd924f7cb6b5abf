"""Re-send what the ledger cannot account for: failed deliveries, and claims SES never reported.

A claim is written just before the SES call and marked ``sent`` right after; SES also publishes
a ``Send`` event for every message it accepts, which marks the claim ``sent`` through the
feedback function even when the sender died before marking it. A claim still ``claimed`` after
``grace`` therefore belongs to a call SES never accepted (the process died between the claim and
the call): it is released and re-sent. Outcomes SES did report are never re-sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from digest.core.subscriber import CLAIMED, FAILED
from digest.ports import Ledger, Queue
from digest.services.dispatch import batch_bodies

logger = Logger(child=True)

GRACE = timedelta(minutes=15)


def resend_unaccounted(
    day: str,
    version: int,
    variant: str,
    *,
    ledger: Ledger,
    queue: Queue,
    now: datetime,
    grace: timedelta = GRACE,
    batch_size: int = 50,
) -> list[str]:
    """Queue ``day``'s failed deliveries and stale claims again; returns the subscriber ids."""
    again = []
    for delivery in ledger.for_edition(day):
        stale = (
            delivery.state == CLAIMED
            and delivery.updated_at
            and now - datetime.fromisoformat(delivery.updated_at) > grace
        )
        if delivery.state == FAILED or stale:
            ledger.release(day, delivery.subscriber_id, state=delivery.state)
            again.append(delivery.subscriber_id)
    again.sort()
    queue.send(batch_bodies(day, version, variant, again, batch_size))
    logger.info("re-sending", extra={"edition_date": day, "recipients": len(again)})
    return again
