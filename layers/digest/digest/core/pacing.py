"""Pacing: keep one sender under its share of the account's SES maximum send rate, and find
that rate from SES's throttles when the configured one is too high.

A token bucket. ``acquire()`` takes one token, waiting (through the injected ``sleep``) until
one is there; tokens accrue at the current rate up to the burst. ``headroom`` keeps this bucket a
fraction of a token smaller than SES's: it holds at most burst - headroom tokens (never less than
one), so any run of calls leaves SES's bucket (same rate, ``burst``) that fraction of a token to
spare, and a call that reaches SES up to ``headroom / rate`` seconds later than planned (a slow
ledger write between the token and the call) still finds SES's bucket paid up. The burst shrinks
with the rate (``burst x rate / configured rate``, but at least ``SLACK`` seconds of calls, so
the sender's own hiccups do not cost calls): idle time after a slow-down banks no more seconds
of calls than the configured burst did, so it cannot set off a run of throttles.

Learning the limit. A throttle means SES's bucket held less than one token. Between two
throttles ``dt`` seconds apart SES accepted the ``n`` calls made in between, and its bucket
started and ended below one token, so its rate is above ``(n - 1) / dt`` (tokens SES lost to a
full bucket only make it larger) and, if the bucket never filled, below ``(n + 1) / dt``. The
last ``RECENT`` calls give a second lower bound, ``(calls - burst) / their span``, taking
SES's bucket to hold at most a burst like ours when they began: the rate SES kept up with just
before the throttle. ``slow_down()`` cuts the rate to ``margin`` (3%) under the higher bound, so
SES's bucket refills, and keeps a ceiling: the rate that throttled, or the upper bound when it
can be trusted (n of at least ``TIGHT``, the last cut made from the bounds, and not below the lower
bound). When the bounds say little (a throttle soon after another one, or the first one, where
SES's bucket may have held a whole burst) it multiplies the rate by ``factor`` instead.
Cool-down: a throttle of a call whose token was taken before the last cut (a call in flight
when it was made) is counted, but the cut already answered it.

Recovering, as TCP CUBIC does: after a cut the rate follows a cubic, back to the ceiling in one
unit of time (fast at first), flat there, then probing above it, slowly at first and faster the
longer SES accepts, up to the configured rate. A unit is ``probe_calls / ceiling`` seconds, so
the curve is the same in calls at any rate; ``recovery`` is the probe's coefficient. Against a
limit that holds still, a cycle lasts about two units and ends with one throttle.

Each concurrent sender gets ``share(max_send_rate, concurrency)``: the account-wide limit split
evenly over the send function's reserved concurrency.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

_EPSILON = 1e-9
TIGHT = 20  # calls accepted between two throttles that make the bounds within 5% of each other
SLACK = 0.05  # seconds of calls the bucket keeps at any rate (within the burst): the sender's own hiccups
RECENT = 100  # the last calls before a throttle that show the rate SES was keeping up with


def share(max_send_rate: float, concurrency: int) -> float:
    """One sender's share of the account's maximum send rate (emails per second).

    Examples
    --------
    >>> share(14.0, 2)
    7.0
    """
    if max_send_rate <= 0:
        raise ValueError(f"max_send_rate must be positive, got {max_send_rate!r}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency!r}")
    return max_send_rate / concurrency


SMALLEST_SES_RATE = 14.0  # SES's smallest production quota (emails per second)


def sender_rate(configured: float, account_rate: Callable[[], float], senders: int) -> float:
    """One sender's rate: its share of the configured rate, else of the account's (``GetAccount``),
    else of the smallest production quota when SES cannot say (``MailError``; the local stand-in).

    Examples
    --------
    >>> sender_rate(0.0, lambda: 200.0, 2), sender_rate(50.0, lambda: 200.0, 2)
    (100.0, 25.0)
    """
    from digest.errors import MailError

    rate = configured
    if not rate:
        try:
            rate = account_rate()
        except MailError:
            rate = SMALLEST_SES_RATE
    return share(rate, senders)


def cubic(start: float, ceiling: float, recovery: float, units: float) -> float:
    """The rate ``units`` after a cut to ``start``: back at ``ceiling`` after one unit however deep
    the cut, flat there, then above it by ``recovery x (units - 1)**3``.

    Examples
    --------
    >>> [round(cubic(50.0, 100.0, 0.5, u), 2) for u in (0, 0.5, 1, 1.5, 2, 3)]
    [50.0, 93.75, 100.0, 106.25, 150.0, 500.0]
    """
    if units <= 1.0:
        return ceiling - (ceiling - start) * (1.0 - units) ** 3
    return ceiling * (1.0 + recovery * (units - 1.0) ** 3)


def _rate_above(accepted: int, held: float, seconds: float) -> float:
    """The rate SES must have to accept ``accepted`` calls in ``seconds`` from ``held`` tokens."""
    return (accepted - held) / seconds if seconds > 0 else 0.0


class Pacer:
    """A token bucket: ``burst`` calls at once (the last one ``headroom / rate`` late), then
    ``rate_per_second``, adapted to SES's throttles (see the module docstring).

    Examples
    --------
    >>> now = [0.0]
    >>> pacer = Pacer(2.0, 2, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s), headroom=0.5)
    >>> [pacer.acquire() for _ in range(4)], now[0]
    ([0.0, 0.25, 0.5, 0.5], 1.25)
    >>> pacer.slow_down(); pacer.rate
    1.0
    """

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        *,
        recovery: float = 0.05,
        headroom: float = 0.5,
        margin: float = 0.03,
        probe_calls: float = 200.0,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError(f"rate_per_second must be positive, got {rate_per_second!r}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        if not 0 <= headroom < 1:
            raise ValueError(f"headroom must be in [0, 1), got {headroom!r}")
        if recovery <= 0 or not 0 < margin < 1 or probe_calls <= 0:
            raise ValueError(f"need recovery > 0, 0 < margin < 1, probe_calls > 0: {(recovery, margin, probe_calls)!r}")
        self.max_rate = float(rate_per_second)
        self._rate = self.max_rate
        self.ceiling: float | None = None  # SES's rate as last learned; None: never throttled
        self.burst, self.recovery, self.headroom = burst, recovery, headroom
        self.margin, self.probe_calls = margin, probe_calls
        self.throttles = 0
        self._clock, self._sleep = clock, sleep
        self._last = clock()
        self._tokens = self._capacity(self._rate)
        self._cut_at, self._cut_to = self._last, self._rate  # the last cut: when, and to which rate
        self._mark, self._calls = self._last, 0  # the last throttle (or the start), calls since
        self._after_throttle = False  # whether _mark is a throttle (SES's bucket under one token)
        self._recent: deque[float] = deque(maxlen=RECENT)  # when the last tokens since then were taken
        self._fresh = True  # a token was taken since the last cut
        self._cut_measured = False  # whether the last cut came from what SES accepted, not ``factor``

    @property
    def rate(self) -> float:
        """The rate now (calls per second)."""
        self._refill()
        return self._rate

    @property
    def tokens(self) -> float:
        """Tokens available now (fractional)."""
        self._refill()
        return self._tokens

    def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns the seconds slept."""
        waited = 0.0
        self._refill()
        while self._tokens < 1.0 - _EPSILON:  # not exactly 1.0: float error must not loop forever
            pause = (1.0 - self._tokens) / self._rate
            self._sleep(pause)
            waited += pause
            self._refill()
        self._tokens -= 1.0
        self._calls += 1
        self._recent.append(self._last)
        self._fresh = True
        return waited

    def refund(self) -> None:
        """Give back a token that was not used for a call (e.g. the recipient was already sent)."""
        self._tokens = min(self._capacity(self._rate), self._tokens + 1.0)
        self._calls = max(0, self._calls - 1)
        if self._recent:
            self._recent.pop()

    def slow_down(self, factor: float = 0.5, floor: float = 1.0) -> None:
        """SES throttled the last call: cut the rate under what SES was seen to accept (never below
        ``floor``, or the configured rate if lower) and empty the bucket."""
        self._refill()
        now, rate = self._last, self._rate
        self.throttles += 1
        accepted, seconds, measured = max(0, self._calls - 1), now - self._mark, self._after_throttle
        recent = list(self._recent)  # the last calls' tokens; the last one is the throttled call
        self._mark, self._calls, self._after_throttle = now, 0, True
        self._recent.clear()
        self._tokens = min(self._tokens, 0.0)
        if not self._fresh:
            return
        # Since the last throttle SES's bucket held under one token; else at most a burst, as ours.
        lower = max(
            _rate_above(accepted, 1.0 if measured else self.burst, seconds),
            _rate_above(len(recent) - 1, self.burst, now - recent[0] if recent else 0.0),
        )
        cut = min((1.0 - self.margin) * rate, max(factor * rate, (1.0 - self.margin) * lower))
        cut = max(min(floor, self.max_rate), cut)
        ceiling, upper = rate, (accepted + 1.0) / seconds if seconds > 0 else rate
        if measured and self._cut_measured and accepted >= TIGHT and upper >= lower:
            ceiling = min(rate, upper)
        self.ceiling = max(cut, ceiling)
        self._cut_measured = cut > factor * rate
        self._cut_at, self._cut_to, self._rate, self._fresh = now, cut, cut, False

    def _capacity(self, rate: float) -> float:
        calls = max(self.burst * rate / self.max_rate, min(float(self.burst), rate * SLACK))
        return max(1.0, calls - self.headroom)

    def _rate_at(self, now: float) -> float:
        if self.ceiling is None:
            return self.max_rate
        units = (now - self._cut_at) * self.ceiling / self.probe_calls
        return min(self.max_rate, cubic(self._cut_to, self.ceiling, self.recovery, units))

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._last)
        self._last = now
        if not elapsed:
            return
        rate = self._rate_at(now)  # tokens at the mean of the rates at both ends, then the new rate
        self._tokens = min(self._capacity(rate), self._tokens + elapsed * (self._rate + rate) / 2)
        self._rate = rate
