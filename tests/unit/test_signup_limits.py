"""Sign-up flood limits and the confirmation queue (digest.core.signup_limits, services.subscribe and
services.confirmations) on in-memory fakes with the real templates."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest.core.edition import Brand
from digest.core.mailing import Mailing
from digest.core.render import environment
from digest.core.signup_limits import SignupLimits, client_network, counters, mailbox
from digest.core.subscriber import ACTIVE, BOUNCED, COMPLAINED, PENDING, UNSUBSCRIBED, Subscriber, id_key, subscriber_id
from digest.core.tokens import UNSUBSCRIBE, make_token
from digest.errors import MailThrottled
from digest.services.confirmations import KNOWN, RECENT, SENT, ConfirmationRequest, Confirmations
from digest.services.subscribe import Subscriptions
from tests.unit.fake_sqs import FakeSqs
from tests.unit.fakes import FakeClock, FakeMailer, FakeSignupCounters, FakeSubscriberStore
from tests.unit.signup_world import InlineQueue

KEY = id_key("unit-test-signing-secret")  # the ids services make with the tests' signing secret

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SECRET = "unit-test-signing-secret"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
OPTIONS = Mailing("Morning Digest <digest@news.example.org>", "https://api.news.example.org", SECRET)
VICTIM = "victim.reader@gmail.com"


class World:
    """The request path and the consumer on one set of fakes; ``queue`` is what the form fills."""

    def __init__(self, *readers: Subscriber, limits: SignupLimits | None = None, queue=None) -> None:
        self.store, self.mailer, self.clock = FakeSubscriberStore(list(readers)), FakeMailer(), FakeClock(NOW)
        self.counters = FakeSignupCounters()
        ports = dict(
            subscribers=self.store,
            mailer=self.mailer,
            env=environment(TEMPLATES),
            brand=Brand(),
            clock=self.clock,
            options=OPTIONS,
        )
        self.consumer = Confirmations(**ports, signup_counters=self.counters)
        self.queue = queue if queue is not None else InlineQueue(self.consumer.handle)
        self.subs = Subscriptions(
            **ports, signup_requests=self.queue, signup_counters=self.counters, signup_limits=limits
        )


def plus_variant(rng: random.Random, n: int) -> str:
    """One of the many spellings of the victim's Gmail inbox."""
    letters = [c.upper() if rng.random() < 0.3 else c for c in "victimreader"]
    dotted = letters[0] + "".join(("." if rng.random() < 0.3 else "") + c for c in letters[1:])
    domain = rng.choice(["gmail.com", "GMail.com", "googlemail.com"])
    return f"{dotted}+{n}@{domain}"


# -- the rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "inbox"),
    [
        ("Victim.Reader+1@gmail.com", "victimreader@gmail.com"),
        ("v.i.c.t.i.m.reader+x+y@googlemail.com", "victimreader@gmail.com"),
        ("victim.reader+1@example.org", "victim.reader@example.org"),  # dots matter elsewhere
        ("VICTIM@Example.ORG", "victim@example.org"),
    ],
)
def test_variants_of_one_inbox_count_as_one_mailbox(address, inbox):
    assert mailbox(address) == inbox


def test_an_ipv6_client_is_counted_by_its_64_and_a_missing_one_shares_one_budget():
    assert client_network("2001:db8::1") == client_network("2001:db8::ffff:1") != client_network("2001:db8:0:1::1")
    assert client_network("not an ip") == client_network("") == "unknown"


def test_counter_keys_name_no_address_and_a_limit_of_zero_is_off():
    found = counters(VICTIM, "203.0.113.7", NOW, SignupLimits(per_domain=0), SECRET)
    assert [c.scope for c in found] == ["client", "mailbox", "day"]
    assert not any("victim" in c.key or "203.0.113" in c.key or "gmail" in c.key for c in found)
    later = counters(VICTIM, "203.0.113.7", NOW + timedelta(days=1), SignupLimits(per_domain=0), SECRET)
    assert {c.key for c in found}.isdisjoint(c.key for c in later)  # a new window, new counters


# -- the flood ------------------------------------------------------------------------------------


def test_a_flood_of_a_thousand_plus_variants_from_a_thousand_clients_sends_the_mailbox_limit():
    world, rng = World(limits=SignupLimits(per_mailbox=3)), random.Random(11)
    for n in range(1000):
        outcome = world.subs.subscribe(plus_variant(rng, n), client=f"198.51.{n // 250}.{n % 250}")
        assert outcome.ok and outcome.reason == ""
    assert len(world.mailer.sent) == 3
    assert {mailbox(s.recipient) for s in world.mailer.sent} == {"victimreader@gmail.com"}


def test_a_flood_from_one_client_stops_at_its_limit_and_spends_no_wider_budget():
    world = World(limits=SignupLimits(per_client=5, daily_cap=10))
    for n in range(200):
        assert world.subs.subscribe(f"reader{n}@example.org", client="203.0.113.7").ok
    assert len(world.mailer.sent) == 5
    assert world.subs.subscribe("someone@example.net", client="192.0.2.1").ok  # others still get in
    assert len(world.mailer.sent) == 6


def test_the_domain_limit_and_the_daily_cap_hold_across_clients():
    world = World(limits=SignupLimits(per_domain=4, daily_cap=7))
    for n in range(20):
        world.subs.subscribe(f"reader{n}@example.org", client=f"192.0.2.{n}")
    assert len(world.mailer.sent) == 4
    for n in range(20):
        world.subs.subscribe(f"reader{n}@example.{n}.net", client=f"198.51.100.{n}")
    assert len(world.mailer.sent) == 7


def test_a_limit_reached_answers_as_a_success_does_and_queues_nothing():
    world = World(limits=SignupLimits(per_mailbox=1))
    first = world.subs.subscribe("ada+1@example.org", client="192.0.2.1")
    second = world.subs.subscribe("ada+2@example.org", client="192.0.2.2")
    assert first == second and first.ok
    assert len(world.queue.bodies) == 1 and len(world.mailer.sent) == 1


# -- the same answer, the same work ----------------------------------------------------------------


class NoReads(FakeSubscriberStore):
    def get(self, subscriber_id):
        raise AssertionError("the request path must not read the subscriber store")


@pytest.mark.parametrize("status", [None, ACTIVE, PENDING, UNSUBSCRIBED, COMPLAINED, BOUNCED])
def test_the_request_path_answers_alike_and_never_looks_at_the_address_s_state(status):
    address = "known.or.new@example.org"
    readers = [] if status is None else [Subscriber(subscriber_id(address, KEY), address, status)]
    queue = FakeSqs()
    world = World(*readers, queue=queue)
    world.subs.subscribers = NoReads(readers)
    assert world.subs.subscribe(address, client="192.0.2.1") == World(queue=FakeSqs()).subs.subscribe(
        "someone.new@example.org", client="192.0.2.1"
    )
    (body,) = queue.sent_bodies
    assert json.loads(body) == {"v": 1, "email": address, "role": "", "source": "web", "again": False}
    assert world.mailer.sent == []  # nothing is sent before the consumer acts


@pytest.mark.parametrize(
    ("status", "sends", "after"),
    [(ACTIVE, 0, ACTIVE), (COMPLAINED, 1, COMPLAINED), (BOUNCED, 1, BOUNCED), (UNSUBSCRIBED, 1, PENDING)],
)
def test_the_consumer_decides_by_the_address_s_state(status, sends, after):
    address = "reader@example.org"
    world = World(Subscriber(subscriber_id(address, KEY), address, status, updated_at="2026-12-01T08:00:00+00:00"))
    assert world.subs.subscribe(address).ok
    assert len(world.mailer.sent) == sends  # a suppressed reader's link; they stay suppressed until they confirm it
    assert world.store.get(subscriber_id(address, KEY)).status == after


def test_one_confirmation_per_address_per_ten_minutes():
    world = World(limits=SignupLimits(per_mailbox=10))
    for _ in range(3):
        world.subs.subscribe("ada@example.org")
    assert len(world.mailer.sent) == 1
    world.clock.when = NOW + timedelta(minutes=10)
    world.subs.subscribe("ada@example.org")
    assert len(world.mailer.sent) == 2


# -- the queue ------------------------------------------------------------------------------------


def drain(world: World, queue: FakeSqs) -> list[str]:
    """Lambda's event source with ReportBatchItemFailures: a failed message stays for later."""
    outcomes = []
    for message in queue.receive():
        try:
            outcomes.append(world.consumer.handle(message.body))
        except MailThrottled:
            outcomes.append("retry")
            continue
        queue.delete(message)
    return outcomes


def test_a_throttled_confirmation_comes_back_from_the_queue_and_is_sent_once():
    seconds = [0.0]
    queue = FakeSqs(lambda: seconds[0], visibility=180)
    world = World(queue=queue)
    world.mailer.fail("ada@example.org", "throttle", times=1)
    assert world.subs.subscribe("ada@example.org").ok
    assert drain(world, queue) == ["retry"] and world.mailer.sent == [] and queue.pending() == 1
    assert drain(world, queue) == []  # invisible until its visibility timeout
    seconds[0] = 181
    assert drain(world, queue) == [SENT] and queue.pending() == 0
    assert world.mailer.recipients() == ["ada@example.org"]
    world.subs.subscribe("ada@example.org")  # asked again at once: the one just sent stands
    assert drain(world, queue) == [RECENT] and len(world.mailer.sent) == 1


def test_a_message_that_is_not_a_request_is_refused_so_it_reaches_the_dead_letter_queue():
    world = World()
    for body in ("{not json", json.dumps({"v": 2, "email": "a@example.org"}), json.dumps({"v": 1, "email": "x"})):
        with pytest.raises(ValueError):
            world.consumer.handle(body)


def test_a_reader_who_left_gets_a_new_confirmation_through_the_queue():
    address = "ada@example.org"
    left = Subscriber(subscriber_id(address, KEY), address, UNSUBSCRIBED, role="faculty", updated_at="x")
    world = World(left)
    again = replace(left, status=PENDING)
    world.store.put(again)
    world.subs._confirm_again(again)
    (request,) = world.queue.bodies
    assert ConfirmationRequest.from_body(request) == ConfirmationRequest(address, "faculty", "web", again=True)
    assert world.mailer.recipients() == [address] and world.store.get(again.subscriber_id).role == "faculty"
    assert world.consumer.handle(request) == RECENT
    world.store.put(replace(again, status=ACTIVE))
    assert world.consumer.handle(request) == KNOWN


def test_coming_back_from_the_preferences_page_is_confirmed_even_minutes_after_a_sign_up():
    world = World()
    address = "ada@example.org"
    assert world.subs.subscribe(address).ok and len(world.mailer.sent) == 1
    sid = subscriber_id(address, KEY)
    world.store.put(replace(world.store.get(sid), status=UNSUBSCRIBED, updated_at="2026-12-02T12:01:00+00:00"))
    account = world.subs.account.resubscribe(make_token(SECRET, UNSUBSCRIBE, sid))
    assert account.status == PENDING and len(world.mailer.sent) == 2  # their own request: not "recent"
    assert world.consumer.handle(world.queue.bodies[-1]) == RECENT  # a redelivered request: once
