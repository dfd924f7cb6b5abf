"""The sender's side of the delivery ledger: take a claim, and end it without losing anybody.

A claim is owned by one send attempt (a random token). Taking one answers what the sender may
do with the recipient:

* ``MINE``: this attempt holds the claim (a fresh one; its own whose reply was lost; or one a
  previous attempt handed on as never sent, taken over with a conditional release then claim).
* ``ALREADY``: the ledger has an outcome (sent, failed): nothing to do.
* ``BUSY``: another sender holds the claim right now and may still release it: try later.
* ``UNKNOWN``: a claim nobody holds any more whose SES call may have happened: never re-sent here.
* ``LOST``: the ledger could not be written (the claim may or may not exist): SES is not called,
  and the token is handed on so the retry can take the claim over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from digest.core.pacing import Pacer
from digest.core.subscriber import CLAIMED, Delivery
from digest.errors import StorageError
from digest.ports import Ledger

logger = Logger(child=True)

IN_FLIGHT = timedelta(minutes=15)  # longer than any send function runs (300 s): an older claim has no holder
MINE, ALREADY, BUSY, UNKNOWN, LOST = "mine", "already", "busy", "unknown", "lost"


@dataclass
class BatchResult:
    """What one batch came to (``services.send``)."""

    sent: int = 0
    skipped: int = 0
    already: int = 0
    unknown: int = 0
    failed: int = 0
    retry: list[str] = field(default_factory=list)
    paused: str = ""  # why SES refuses all mail (the sending switch now says so), or ""
    busy: int = 0  # recipients another sender holds right now (also in ``retry``)
    freed: dict[str, str] = field(default_factory=dict)  # claims SES never saw, not released: id -> owner
    out_of_time: bool = False  # stopped because the invocation could not cover the next send


def take(
    ledger: Ledger,
    day: str,
    sid: str,
    token: str,
    handed_on: str | None,
    now: datetime,
    in_flight: timedelta = IN_FLIGHT,
) -> str:
    """Claim (``day``, ``sid``) for the attempt ``token``; ``handed_on`` is the owner of a claim a
    previous attempt proved never sent (or None). Returns one of the outcomes above."""
    try:
        if handed_on:
            ledger.release(day, sid, owner=handed_on)  # conditional: only that never-sent claim
        if ledger.claim(day, sid, token):
            return MINE
        existing = ledger.get(day, sid)
    except StorageError:
        return LOST
    if existing is None:
        return BUSY  # released between the two calls: whoever released it retries; so do we
    if existing.state != CLAIMED:
        return ALREADY
    if existing.owner == token:
        return MINE  # our own put went through; only its reply was lost
    return BUSY if in_flight_now(existing, now, in_flight) else UNKNOWN


def in_flight_now(claim: Delivery, now: datetime, in_flight: timedelta = IN_FLIGHT) -> bool:
    """Is a sender possibly still working on ``claim`` (no outcome noted, and young)?"""
    if claim.detail or not claim.updated_at:
        return False
    return now - datetime.fromisoformat(claim.updated_at) < in_flight


def mine(day: str, sid: str, token: str) -> Delivery:
    """The record a claim of ``token`` is (for the compare-and-set writes that end it)."""
    return Delivery(day, sid, CLAIMED, owner=token)


def release(ledger: Ledger, day: str, sid: str, token: str) -> bool:
    """Drop this attempt's claim (SES certainly did not accept); False when the store failed."""
    try:
        ledger.release(day, sid, owner=token)
    except StorageError:
        return False
    return True


def note_unknown(ledger: Ledger, day: str, sid: str, token: str, exc: Exception) -> None:
    """Say on the claim why its outcome is unknown, so nobody waits for its holder any more."""
    detail = f"unknown: {type(exc).__name__}: {str(exc)[:200]}"
    try:
        ledger.mark(day, sid, CLAIMED, detail=detail, if_current=mine(day, sid, token))
    except StorageError:
        logger.exception("could not note an unknown outcome", extra={"edition_date": day})
    logger.warning("SES outcome unknown", extra={"edition_date": day, "subscriber_id": sid, "error": detail})


class Budget:
    """Whether an invocation's time left (``time_left()``, seconds) covers one more send.

    One send is estimated as the pacer's interval or the slowest send seen in this batch (1 s
    until one is seen), whichever is longer; ``reserve`` seconds are always kept back.

    >>> left = iter([30.0, 29.5, 11.5]).__next__
    >>> budget = Budget(left, reserve=10.0)
    >>> budget.covers_next()
    True
    >>> budget.sent_one()  # that send took 0.5 s
    >>> budget.covers_next()  # 11.5 s left cannot cover the 10 s reserve and twice the 1 s estimate
    False
    """

    def __init__(self, time_left: Callable[[], float] | None, reserve: float, pacer: Pacer | None = None) -> None:
        self.time_left, self.reserve, self.pacer = time_left, reserve, pacer
        self.slowest, self._started = 1.0, 0.0

    def covers_next(self) -> bool:
        if self.time_left is None:
            return True
        self._started = self.time_left()
        rate = self.pacer.rate if self.pacer is not None else 0.0
        interval = 1.0 / rate if rate > 0 else 0.0
        return self._started >= self.reserve + 2 * max(interval, self.slowest)

    def sent_one(self) -> None:
        if self.time_left is not None:
            self.slowest = max(self.slowest, self._started - self.time_left())


def not_mine(result: BatchResult, taken: str, sid: str, token: str) -> None:
    """Count a recipient this attempt could not claim (``take`` said ``taken``)."""
    if taken == ALREADY:
        result.already += 1
    elif taken == UNKNOWN:
        result.unknown += 1
    else:  # BUSY or LOST: SES was not called for it here; try again later
        result.retry.append(sid)
        result.busy += taken == BUSY
        if taken == LOST:
            result.freed[sid] = token


def unclaim(ledger: Ledger, result: BatchResult, day: str, sid: str, token: str) -> None:
    """SES certainly did not accept: release the claim (or hand it on) and retry the recipient."""
    result.retry.append(sid)
    if not release(ledger, day, sid, token):
        result.freed[sid] = token
