"""The one system clock, and the pinned clocks that stand in for it in demos and tests.

Nothing else in the project reads the wall clock (a test holds this): services, adapters and
tools are handed a clock and call ``now()``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock pinned at one instant, moved only on purpose (demos and tests).

    Examples
    --------
    >>> clock = FixedClock(datetime(2026, 12, 2, 0, 30, tzinfo=UTC))
    >>> clock.advance(minutes=20).isoformat()
    '2026-12-02T00:50:00+00:00'
    """

    def __init__(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("a clock's instant must carry its time zone")
        self.when = when.astimezone(UTC)

    def now(self) -> datetime:
        return self.when

    def set(self, when: datetime) -> datetime:
        self.when = when.astimezone(UTC)
        return self.when

    def advance(self, **delta: float) -> datetime:
        return self.set(self.when + timedelta(**delta))


class ShiftedClock:
    """Starts at a pinned instant and moves on with real time (``digest serve --now``).

    Local tools that run for a while (a server, a queue poller) see time pass as it does, but
    from an instant a test or a person chose: 00:30 UTC, a daylight-saving change day.
    """

    def __init__(self, start: datetime) -> None:
        self.start, self._origin = FixedClock(start).now(), time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._origin)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with its offset, as ``--now`` and ``DIGEST_NOW`` take it.

    Examples
    --------
    >>> parse_instant("2026-12-02T00:30:00Z").isoformat()
    '2026-12-02T00:30:00+00:00'
    """
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"expected an ISO 8601 instant such as 2026-12-02T00:30:00Z, got {text!r}") from None
    if when.tzinfo is None:
        raise ValueError(f"the instant {text!r} needs an offset, e.g. 2026-12-02T00:30:00Z")
    return when.astimezone(UTC)
