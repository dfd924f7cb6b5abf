"""digest.core.pacing (token bucket with AIMD) and the Sender's use of it, on a virtual clock."""

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
from digest.core.subscriber import ACTIVE, PENDING, SENT, Subscriber, subscriber_id
from digest.errors import MailThrottled
from digest.services import send as send_module
from digest.services.send import Sender
from tests.unit.fakes import FakeBlobStore, FakeClock, FakeEditionStore, FakeLedger, FakeMailer, FakeSubscriberStore

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
        fast.slow_down()
        slow.slow_down()
    assert (fast.rate, slow.rate) == (1.0, 0.5)
    fast.slow_down(factor=0.25, floor=2.0)
    assert fast.rate == 2.0


def test_rate_recovers_five_percent_of_the_configured_rate_per_second_without_throttles():
    t = VirtualTime()
    pacer = Pacer(100.0, 1, t.clock, t.sleep)
    pacer.slow_down()
    t.now += 1
    _ = pacer.tokens
    assert pacer.rate == pytest.approx(55.0)
    t.now += 4
    _ = pacer.tokens
    assert pacer.rate == pytest.approx(75.0)
    t.now += 60
    _ = pacer.tokens
    assert pacer.rate == 100.0


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
    return [Subscriber(subscriber_id(f"r{i}@example.com"), f"r{i}@example.com", status) for i in range(n)]


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
    assert journal.events == ["acquire", "claim", "refund", "get", "acquire", "claim", "refund", "get"]
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
    assert paced.throttled < 200 * 0.15
    assert paced.throttled * 20 < unpaced.throttled
