"""digest.core.pacing (a token bucket that learns SES's rate from its throttles) and the Sender's use of it."""

from __future__ import annotations

import doctest
import logging
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.core import pacing
from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.mailing import Mailing
from digest.core.pacing import Pacer, share
from digest.core.render import UNSUBSCRIBE_SLOT
from digest.core.subscriber import ACTIVE, PENDING, SENT, Subscriber, id_key, subscriber_id
from digest.errors import MailThrottled
from digest.services import send as send_module
from digest.services.send import Sender
from tests.unit.fakes import FakeBlobStore, FakeClock, FakeEditionStore, FakeLedger, FakeMailer, FakeSubscriberStore

KEY = id_key("unit-test-signing-secret")  # the ids services make with the tests' signing secret

DAY, VERSION = "2026-11-28", 1


class VirtualTime:
    """A clock and a sleep that only move when someone sleeps (or the test moves them)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


@pytest.fixture(autouse=True)
def _quiet_send_logger():
    std = logging.getLogger(send_module.logger.name)
    level = std.level
    std.setLevel(logging.WARNING)
    yield
    std.setLevel(level)


def test_doctests_pass():
    assert doctest.testmod(pacing).failed == 0


def test_share_splits_the_account_rate_over_the_concurrent_senders():
    assert share(14.0, 2) == 7.0  # SES production default, the send function's reserved concurrency
    assert share(1.0, 2) == 0.5  # sandbox
    for bad in ((0.0, 2), (14.0, 0)):
        with pytest.raises(ValueError):
            share(*bad)


def test_a_burst_goes_at_once_then_calls_are_spaced_at_the_rate():
    t = VirtualTime()
    pacer = Pacer(10.0, 5, t.clock, t.sleep, headroom=0.0)
    waits = [pacer.acquire() for _ in range(25)]
    assert waits[:5] == [0.0] * 5
    assert waits[5:] == pytest.approx([0.1] * 20)
    assert t.now - 1_000.0 == pytest.approx(2.0)


def test_headroom_delays_the_last_call_of_a_burst_and_keeps_the_rate():
    t = VirtualTime()
    pacer = Pacer(10.0, 5, t.clock, t.sleep, headroom=0.5)
    waits = [pacer.acquire() for _ in range(25)]
    assert waits[:5] == pytest.approx([0, 0, 0, 0, 0.05])
    assert waits[5:] == pytest.approx([0.1] * 20)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(min_value=0.5, max_value=500.0),
    st.integers(min_value=1, max_value=20),
    st.integers(min_value=1, max_value=300),
    st.floats(min_value=0.0, max_value=0.02),
    st.sampled_from([0.0, 0.25, 0.5]),
)
def test_over_any_run_calls_never_outpace_rate_times_time_plus_burst(rate, burst, calls, work, headroom):
    t = VirtualTime()
    pacer = Pacer(rate, burst, t.clock, t.sleep, headroom=headroom)
    start = t.now
    for n in range(1, calls + 1):
        pacer.acquire()
        assert n <= burst + rate * (t.now - start) + 1e-6
        t.now += work  # time spent on the call itself
    # ...and the pacer never waits longer than the rate requires.
    assert t.now - start <= max(0, calls - burst + headroom) / rate + calls * work + 1e-6


def test_idle_time_never_banks_more_than_the_burst():
    t = VirtualTime()
    pacer = Pacer(10.0, 3, t.clock, t.sleep, headroom=0.0)
    t.now += 60
    assert [pacer.acquire() for _ in range(5)] == pytest.approx([0, 0, 0, 0.1, 0.1])


def test_slow_down_halves_the_rate_and_empties_the_bucket():
    t = VirtualTime()
    pacer = Pacer(100.0, 10, t.clock, t.sleep)
    pacer.slow_down()
    assert (pacer.rate, pacer.throttles) == (50.0, 1)
    assert pacer.acquire() == pytest.approx(1 / 50)  # no burst right after a throttle


def test_slow_down_stops_at_the_floor_or_the_configured_rate_when_that_is_lower():
    t = VirtualTime()
    fast, slow = Pacer(8.0, 1, t.clock, t.sleep), Pacer(0.5, 1, t.clock, t.sleep)
    for _ in range(10):
        for pacer in (fast, slow):
            pacer.acquire()  # each throttle is of a call paced at the rate the last cut set
            pacer.slow_down()
    assert (fast.rate, slow.rate) == pytest.approx((1.0, 0.5))
    fast.acquire()
    fast.slow_down(factor=0.25, floor=2.0)
    assert fast.rate == 2.0


def test_a_throttle_of_a_call_in_flight_before_the_cut_counts_but_does_not_cut_again():
    t = VirtualTime()
    pacer = Pacer(100.0, 10, t.clock, t.sleep)
    pacer.acquire(), pacer.acquire()  # two calls out at once, both throttled
    pacer.slow_down()
    pacer.slow_down()
    assert (pacer.rate, pacer.throttles) == (50.0, 2)
    pacer.acquire()  # a call at the new rate, throttled too: that one is news
    pacer.slow_down()
    assert 25.0 < pacer.rate < 26.0  # half the rate it had grown back to while the call waited


def test_after_a_cut_the_rate_is_back_at_the_ceiling_in_one_unit_then_probes_above_it():
    t = VirtualTime()
    pacer = Pacer(100.0, 1, t.clock, t.sleep, probe_calls=50.0)  # one unit: 50 calls at the ceiling
    pacer.acquire()
    pacer.slow_down()
    assert (pacer.rate, pacer.ceiling) == (50.0, 100.0)  # no measurement yet: halved, ceiling where it throttled
    rates = []
    for _ in range(4):
        t.now += 0.25
        rates.append(pacer.tokens and pacer.rate)
    assert rates == pytest.approx([50 + 50 * (1 - 0.5**3), 100.0, 100.0, 100.0])  # configured 100: no higher
    quarter = Pacer(400.0, 1, t.clock, t.sleep, probe_calls=50.0, recovery=0.05)
    quarter.acquire()
    quarter.slow_down()  # ceiling 400, one unit = 0.125 s
    quarter.ceiling = 100.0  # as if SES had been seen at 100/s
    t.now += 0.5 * 3  # three units: two above the ceiling
    _ = quarter.tokens
    assert quarter.rate == pytest.approx(100.0 * (1 + 0.05 * 2**3))


def test_the_cut_lands_just_under_the_rate_ses_accepted_between_two_throttles():
    t = VirtualTime()
    ses = RateLimitedSes(t, rate=200.0, latency=0.001, burst=10)
    pacer = Pacer(800.0, 10, t.clock, t.sleep)
    cuts = []
    for n in range(3_000):
        pacer.acquire()
        try:
            ses.send_raw(b"raw", f"r{n}@example.com", {})
        except MailThrottled:
            pacer.slow_down()
            cuts.append((pacer.rate, pacer.ceiling))
    assert 3 <= len(cuts) <= 20
    late = cuts[len(cuts) // 2 :]
    assert all(0.9 * 200 < rate < 200 for rate, _ in late)  # SES's bucket refills, but not for long
    assert all(200 <= ceiling < 1.05 * 200 for _, ceiling in late)


def test_after_a_slow_down_idle_time_banks_no_more_seconds_of_calls_than_the_burst_did():
    t = VirtualTime()
    pacer = Pacer(100.0, 100, t.clock, t.sleep, headroom=0.0, probe_calls=10_000.0)  # a burst of one second
    pacer.acquire()
    pacer.slow_down()
    t.now += 5  # idle: SES's bucket refills, and so does ours, but the rate has not recovered
    assert 50.0 < pacer.rate < 60.0
    assert pacer.tokens == pytest.approx(pacer.rate)  # one second's worth of the current rate, not 100
    t.now += 600
    assert pacer.tokens == pytest.approx(100.0) and pacer.rate == 100.0  # recovered: the whole burst again


def test_refund_returns_an_unused_token_but_never_beyond_the_burst():
    t = VirtualTime()
    pacer = Pacer(1.0, 2, t.clock, t.sleep, headroom=0.0)
    pacer.acquire()
    pacer.refund()
    pacer.refund()
    assert pacer.tokens == pytest.approx(2.0)


# --- the Sender with a pacer ----------------------------------------------------------------

TEXT = "Quake hits Lima. " * 20 + f"\nUnsubscribe: {UNSUBSCRIBE_SLOT}\n"
HTML = f'<html lang="en"><body><h1>Quake hits Lima</h1><a href="{UNSUBSCRIBE_SLOT}">Unsubscribe</a></body></html>'


def people(n: int, status: str = ACTIVE) -> list[Subscriber]:
    return [Subscriber(subscriber_id(f"r{i}@example.com", KEY), f"r{i}@example.com", status) for i in range(n)]


class Journal:
    """Wraps the pacer, ledger and mailer so a test can read the order of what the Sender did."""

    def __init__(self, pacer: Pacer, ledger: FakeLedger, mailer: FakeMailer) -> None:
        self.events: list[str] = []
        self.pacer, self.ledger, self.mailer = pacer, ledger, mailer

    def __getattr__(self, name: str):
        for part in (self.pacer, self.ledger, self.mailer):
            if hasattr(part, name):
                target = getattr(part, name)

                def logged(*args, target=target, **kwargs):
                    self.events.append(name)
                    return target(*args, **kwargs)

                return logged
        raise AttributeError(name)


def sender(subscribers: list[Subscriber], pacer: Pacer | None, mailer=None) -> tuple[Sender, Journal]:
    editions, blobs = FakeEditionStore(), FakeBlobStore()
    editions.add(EditionRecord(DAY, VERSION, "h", "sending", 1, "Subject", "2026-11-28T10:00:00+00:00"))
    blobs.put(version_key(DAY, VERSION, "email.txt"), TEXT.encode(), "text/plain")
    blobs.put(version_key(DAY, VERSION, "email.html"), HTML.encode(), "text/html")
    journal = Journal(pacer, FakeLedger(), mailer or FakeMailer())
    return Sender(
        editions=editions,
        blobs=blobs,
        subscribers=FakeSubscriberStore(subscribers),
        ledger=journal,
        mailer=journal,
        clock=FakeClock(),
        pacer=journal if pacer else None,
        options=Mailing("Digest <d@news.example.org>", "https://news.example.org/api", "s"),
    ), journal


def test_each_ses_call_waits_for_a_token_taken_before_the_claim():
    t = VirtualTime()
    s, journal = sender(people(3), Pacer(10.0, 1, t.clock, t.sleep, headroom=0.0))
    s.send_batch(DAY, VERSION, [p.subscriber_id for p in people(3)])
    assert journal.events == ["acquire", "claim", "send_raw", "mark"] * 3
    assert t.now - 1_000.0 == pytest.approx(0.2)


def test_a_throttle_slows_the_pacer_down_before_the_next_recipient():
    t = VirtualTime()
    p, q = people(2)
    mailer = FakeMailer()
    mailer.fail(p.email, "throttle", times=1)
    s, journal = sender([p, q], Pacer(10.0, 1, t.clock, t.sleep, headroom=0.0), mailer)
    result = s.send_batch(DAY, VERSION, [p.subscriber_id, q.subscriber_id])
    assert result.retry == [p.subscriber_id] and result.sent == 1
    assert journal.events == [
        "acquire",
        "claim",
        "send_raw",
        "release",
        "slow_down",
        "acquire",
        "claim",
        "send_raw",
        "mark",
    ]
    assert journal.pacer.throttles == 1
    assert t.now - 1_000.0 == pytest.approx(1 / 5)  # q waited a whole interval at the halved rate
    assert 5.0 < journal.pacer.rate < 6.0  # and recovery has begun


def test_already_sent_recipients_give_their_token_back_and_skipped_ones_take_none():
    t = VirtualTime()
    active, pending = people(2), [Subscriber("sub-pending", "p@example.com", PENDING)]
    s, journal = sender(active + pending, Pacer(1.0, 2, t.clock, t.sleep))
    ids = [p.subscriber_id for p in active + pending]
    s.send_batch(DAY, VERSION, ids)
    journal.events.clear()
    start = t.now
    again = s.send_batch(DAY, VERSION, ids)
    assert (again.already, again.skipped, again.sent) == (2, 1, 0)
    assert journal.events == ["acquire", "claim", "get", "refund"] * 2
    assert t.now - start <= 1.0  # a replay is not paced like real sends


class RateLimitedSes(FakeMailer):
    """SES with its own token bucket on the virtual clock; each call takes ``latency`` seconds."""

    def __init__(self, t: VirtualTime, rate: float, latency: float = 0.005, burst: int = 1) -> None:
        super().__init__()
        self.t, self.rate, self.latency, self.burst = t, rate, latency, burst
        self.tokens, self.last, self.throttled = float(burst), t.now, 0

    def send_raw(self, raw: bytes, recipient: str, tags: dict[str, str]) -> str:
        self.t.now += self.latency
        self.tokens = min(float(self.burst), self.tokens + (self.t.now - self.last) * self.rate)
        self.last = self.t.now
        if self.tokens < 1.0:
            self.throttled += 1
            raise MailThrottled("Maximum sending rate exceeded")
        self.tokens -= 1.0
        return super().send_raw(raw, recipient, tags)


@pytest.mark.parametrize("headroom, throttled", [(0.0, True), (0.5, False)])
def test_headroom_absorbs_jitter_between_the_token_and_the_ses_call(headroom, throttled):
    t, jitter = VirtualTime(), random.Random(3)
    ses = RateLimitedSes(t, rate=50.0, latency=0.0, burst=5)
    pacer = Pacer(50.0, 5, t.clock, t.sleep, headroom=headroom)
    refused = 0
    for n in range(2_000):
        pacer.acquire()
        t.now += jitter.uniform(0.0, 0.008)  # the ledger write between them: under 0.5 / rate = 10 ms
        try:
            ses.send_raw(b"raw", f"r{n}@example.com", {})
        except MailThrottled:
            refused += 1
    assert (refused > 0) is throttled
    assert len(ses.sent) + refused == 2_000


def test_a_burst_of_one_has_no_room_for_headroom_and_still_paces_at_the_rate():
    t = VirtualTime()
    pacer = Pacer(4.0, 1, t.clock, t.sleep, headroom=0.5)
    assert [pacer.acquire() for _ in range(3)] == pytest.approx([0.0, 0.25, 0.25])


def _send_all(pacer_rate: float | None) -> tuple[RateLimitedSes, FakeLedger, int]:
    t = VirtualTime()
    subscribers = people(200)
    ses = RateLimitedSes(t, rate=10.0)
    pacer = Pacer(pacer_rate, 1, t.clock, t.sleep) if pacer_rate else None
    s, journal = sender(subscribers, pacer, ses)
    queue, deliveries = [[p.subscriber_id for p in subscribers[i : i + 50]] for i in range(0, 200, 50)], 0
    while queue:
        deliveries += 1
        retry = s.send_batch(DAY, VERSION, queue.pop(0)).retry
        if retry:
            t.now += 1.0  # the redelivery comes later
            queue.append(retry)
    return ses, journal.ledger, deliveries


def test_aimd_keeps_throttles_rare_even_when_the_configured_rate_is_four_times_too_high():
    unpaced, _, _ = _send_all(None)
    paced, ledger, deliveries = _send_all(40.0)
    for ses in (unpaced, paced):
        assert sorted(Counter(ses.recipients()).values()) == [1] * 200
    assert all(ledger.state(DAY, p.subscriber_id) == SENT for p in people(200))
    assert unpaced.throttled > 200 * 3  # each round retries and is throttled again
    assert paced.throttled < 200 * 0.05  # one or two per round of redelivery, not one per gap
    assert paced.throttled * 20 < unpaced.throttled


def _run_against(ses: RateLimitedSes, pacer: Pacer, t: VirtualTime, seconds: float, jitter: float) -> tuple[int, int]:
    """Calls as the Sender makes them, for ``seconds``: (accepted, throttled)."""
    dice, end, accepted, throttled = random.Random(13), t.now + seconds, 0, 0
    while True:
        pacer.acquire()
        t.now += dice.uniform(0.0, jitter)  # the claim between the token and the call
        try:
            ses.send_raw(b"raw", "r@example.com", {})
        except MailThrottled:
            pacer.slow_down()
            throttled += 1
            continue
        if t.now > end:
            return accepted, throttled
        accepted += 1


@pytest.mark.parametrize("burst, jitter", [(10, 0.001), (1, 0.0)])
@pytest.mark.parametrize("too_high", [2, 3, 4])
def test_configured_up_to_four_times_too_high_the_pacer_uses_95_percent_of_the_limit_within_10_s(
    too_high, burst, jitter
):
    t = VirtualTime()
    ses = RateLimitedSes(t, rate=200.0, latency=0.001, burst=burst)
    pacer = Pacer(200.0 * too_high, burst, t.clock, t.sleep)
    accepted, throttled = _run_against(ses, pacer, t, 10.0, jitter)
    assert accepted >= 0.95 * (200.0 * 10 + burst)
    assert throttled <= 0.01 * (accepted + throttled)
    assert 0.9 * 200 < pacer.rate < 1.1 * 200


@pytest.mark.parametrize("burst, jitter", [(10, 0.001), (1, 0.0)])
@pytest.mark.parametrize("share", [0.5, 1.0])
def test_configured_right_or_too_low_the_pacer_keeps_its_rate(share, burst, jitter):
    t = VirtualTime()
    ses = RateLimitedSes(t, rate=200.0, latency=0.001, burst=burst)
    pacer = Pacer(200.0 * share, burst, t.clock, t.sleep)
    accepted, throttled = _run_against(ses, pacer, t, 10.0, jitter)
    assert accepted >= 0.95 * (200.0 * share * 10 + burst)
    if share < 1 or burst > 1:  # a burst of one at exactly SES's rate has no room for float error
        assert throttled == 0 and pacer.rate == 200.0 * share
    assert throttled <= 0.01 * (accepted + throttled)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=1.0, max_value=500.0),
    st.integers(min_value=1, max_value=20),
    st.lists(st.tuples(st.floats(min_value=0.0, max_value=2.0), st.booleans()), max_size=60),
)
def test_however_ses_throttles_the_rate_stays_between_the_floor_and_the_configured_rate(rate, burst, schedule):
    t = VirtualTime()
    pacer = Pacer(rate, burst, t.clock, t.sleep)
    start, calls = t.now, 0
    for idle, throttled in schedule:
        t.now += idle
        pacer.acquire()
        calls += 1
        assert calls <= burst + rate * (t.now - start) + 1e-6  # never faster than configured
        if throttled:
            pacer.slow_down()
        assert min(1.0, rate) - 1e-9 <= pacer.rate <= rate
        seconds_worth = max(burst * pacer.rate / rate, min(burst, pacer.rate * pacing.SLACK))
        assert pacer.tokens <= max(1.0, seconds_worth) + 1e-9  # the burst shrinks with the rate
