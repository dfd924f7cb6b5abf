"""Pacing: keep one sender under its share of the account's SES maximum send rate.

A token bucket with AIMD control. ``acquire()`` takes one token, waiting (through the injected
``sleep``) until one is there; tokens accrue at the current rate up to ``burst``. When SES
throttles anyway, ``slow_down()`` multiplies the rate by ``factor`` (halves it by default, never
below ``floor``) and empties the bucket, so the next call waits a whole interval at the new rate.
Every second after that without another throttle adds back ``recovery`` (5%) of the configured
rate (additive increase), up to the configured rate.

``headroom`` keeps this bucket a fraction of a token smaller than SES's: it holds at most
burst - headroom tokens (never less than one), so the last call of a full burst waits
``headroom / rate`` seconds, and any run of calls leaves SES's bucket (same rate, ``burst``)
that fraction of a token to spare. A call that reaches SES up to ``headroom / rate`` seconds
later than planned relative to the one before (the ledger write between the token and the SES
call took longer, a pause) then still finds SES's bucket paid up. Without it, a pacer at
exactly SES's rate is throttled now and then by that jitter alone, and each throttle halves
the rate. The long-run rate is unchanged. A burst of one leaves no room for headroom: only a
lower rate could absorb jitter there.

Each concurrent sender gets ``share(max_send_rate, concurrency)``: the account-wide limit split
evenly over the send function's reserved concurrency.
"""

from __future__ import annotations

from collections.abc import Callable

_EPSILON = 1e-9


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


class Pacer:
    """A token bucket: ``burst`` calls at once (the last one ``headroom / rate`` late), then
    ``rate_per_second``.

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
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError(f"rate_per_second must be positive, got {rate_per_second!r}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        if not 0 <= headroom < 1:
            raise ValueError(f"headroom must be in [0, 1), got {headroom!r}")
        self.max_rate = float(rate_per_second)
        self.rate = self.max_rate
        self.burst, self.recovery, self.headroom = burst, recovery, headroom
        self.throttles = 0
        self._clock, self._sleep = clock, sleep
        self._capacity = max(1.0, burst - headroom)
        self._tokens = self._capacity
        self._last = clock()

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
            pause = (1.0 - self._tokens) / self.rate
            self._sleep(pause)
            waited += pause
            self._refill()
        self._tokens -= 1.0
        return waited

    def refund(self) -> None:
        """Give back a token that was not used for a call (e.g. the recipient was already sent)."""
        self._tokens = min(self._capacity, self._tokens + 1.0)

    def slow_down(self, factor: float = 0.5, floor: float = 1.0) -> None:
        """SES throttled us: cut the rate (never below ``floor``, or the configured rate if lower)."""
        self._refill()
        self.rate = max(min(floor, self.max_rate), self.rate * factor)
        self._tokens = min(self._tokens, 0.0)
        self.throttles += 1

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._last)
        self._last = now
        if not elapsed:
            return
        # Tokens at the rate that held over the interval, then the additive recovery.
        self._tokens = min(self._capacity, self._tokens + elapsed * self.rate)
        if self.rate < self.max_rate:
            self.rate = min(self.max_rate, self.rate + self.recovery * self.max_rate * elapsed)
