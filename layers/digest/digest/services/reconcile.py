"""Re-send what the ledger says never reached SES, and report what nobody can know.

* ``failed`` deliveries (rejected, unusable address) are released and queued again.
* A ``claimed`` record another sender may still be working on (no outcome noted, younger than
  ``in_flight``) is left alone.
* Any other ``claimed`` record is an **unknown** outcome: the sender died around the SES call, or
  SES answered with a 5xx or not at all. SES's ``Send`` event would have marked it ``sent`` had
  SES accepted it, but silence is not proof (the event can be late, or lost on its way), so an
  unknown claim is never re-sent on silence alone. It is re-sent only when ``proven_unsent``
  (supplied by whoever can prove SES never took it) says so, or when the editor decides so
  explicitly (``unknown=RESEND``, accepting that a reader may get the edition twice). Otherwise it
  is reported (``unaccounted``) with the reason the ledger holds, so the editor sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from digest.core.subscriber import CLAIMED, FAILED, Delivery
from digest.ports import Ledger, Queue
from digest.services.dispatch import batch_bodies
from digest.services.send_claims import IN_FLIGHT, in_flight_now

logger = Logger(child=True)

GRACE = IN_FLIGHT  # kept for callers that name it
KEEP, RESEND = "keep", "resend"  # what to do with unknown outcomes: report them, or re-send (editor's call)


@dataclass
class Unaccounted:
    """One edition's records without a known outcome: ``unknown`` (subscriber id -> why) and how
    many are ``in_flight`` (another sender may still finish them)."""

    unknown: dict[str, str] = field(default_factory=dict)
    in_flight: int = 0


def unaccounted(day: str, *, ledger: Ledger, now: datetime, in_flight: timedelta = IN_FLIGHT) -> Unaccounted:
    """What the editor should be told about ``day``'s claims (see the module docstring)."""
    report = Unaccounted()
    for delivery in ledger.for_edition(day):
        if delivery.state != CLAIMED:
            continue
        if in_flight_now(delivery, now, in_flight):
            report.in_flight += 1
        else:
            report.unknown[delivery.subscriber_id] = (
                delivery.detail or "unknown: the sender stopped around the SES call"
            )
    return report


def resend_unaccounted(
    day: str,
    version: int,
    variant: str,
    *,
    ledger: Ledger,
    queue: Queue,
    now: datetime,
    grace: timedelta = IN_FLIGHT,
    batch_size: int = 50,
    unknown: str = KEEP,
    proven_unsent: Callable[[Delivery], bool] | None = None,
) -> list[str]:
    """Queue ``day``'s failed deliveries again (and unknown claims when allowed, see above);
    returns the subscriber ids queued."""
    if unknown not in (KEEP, RESEND):
        raise ValueError(f"unknown outcomes are either {KEEP!r} or {RESEND!r}, not {unknown!r}")
    again = []
    for delivery in ledger.for_edition(day):
        if delivery.state == CLAIMED:
            if in_flight_now(delivery, now, grace):
                continue
            if unknown != RESEND and not (proven_unsent is not None and proven_unsent(delivery)):
                continue
        elif delivery.state != FAILED:
            continue
        ledger.release(day, delivery.subscriber_id, state=delivery.state)
        if ledger.get(day, delivery.subscriber_id) is None:  # released (a concurrent outcome wins)
            again.append(delivery.subscriber_id)
    again.sort()
    queue.send(batch_bodies(day, version, variant, again, batch_size))
    logger.info("re-sending", extra={"edition_date": day, "recipients": len(again), "unknown_policy": unknown})
    return again
