"""A suppressed reader (complained, hard-bounced) who signs up again, on in-memory fakes: one
confirmation per 30 days at most (answered as any sign-up is), the record left suppressed, and only
a confirmation link issued after the suppression brings them back."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest.core.edition import Brand
from digest.core.mailing import Mailing
from digest.core.render import environment
from digest.core.subscriber import ACTIVE, BOUNCED, COMPLAINED, PENDING, Subscriber, SubscriberIds
from digest.core.tokens import CONFIRM, make_token
from digest.errors import MailThrottled
from digest.services.confirmations import RECENT, SENT, ConfirmationRequest, Confirmations
from digest.services.feedback import Feedback
from digest.services.subscribe import Subscriptions
from tests.unit.fakes import FakeClock, FakeLedger, FakeMailer, FakeSignupCounters, FakeSubscriberStore
from tests.unit.signup_world import InlineQueue

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SECRET = "unit-test-signing-secret"
OPTIONS = Mailing("Morning Digest <digest@news.example.org>", "https://api.news.example.org", SECRET)
ADDRESS = "returning@example.org"
SID = SubscriberIds.from_secret(SECRET).of(ADDRESS)
SUPPRESSED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class World:
    """The form, the queue's consumer and SES feedback on one set of fakes and one clock."""

    def __init__(self, *readers: Subscriber, now: datetime = SUPPRESSED_AT + timedelta(days=3)) -> None:
        self.clock = FakeClock(now)
        self.store = FakeSubscriberStore(list(readers), clock=self.clock)
        self.mailer, self.counters = FakeMailer(), FakeSignupCounters()
        ports = dict(
            subscribers=self.store,
            mailer=self.mailer,
            env=environment(TEMPLATES),
            brand=Brand(),
            clock=self.clock,
            options=OPTIONS,
        )
        self.consumer = Confirmations(**ports, signup_counters=self.counters)
        self.subs = Subscriptions(
            **ports, signup_requests=InlineQueue(self.consumer.handle), signup_counters=self.counters
        )
        self.feedback = Feedback(subscribers=self.store, ledger=FakeLedger(), clock=self.clock)

    def links(self) -> list[str]:
        """The confirmation tokens mailed so far, oldest first."""
        texts = [email.message_from_bytes(m.raw, policy=email.policy.default) for m in self.mailer.sent]
        bodies = [t.get_body(preferencelist=("plain",)).get_content() for t in texts]
        return [re.search(r"/confirm/(\S+)", b).group(1) for b in bodies if "/confirm/" in b]

    def at(self, when: datetime) -> None:
        self.clock.when = when

    def complain(self) -> None:
        event = {
            "eventType": "Complaint",
            "complaint": {"complaintFeedbackType": "abuse"},
            "mail": {"messageId": f"m-{len(self.mailer.sent)}", "tags": {"subscriber": [SID]}},
        }
        assert self.feedback.handle(event).changed


def suppressed(status: str) -> Subscriber:
    return Subscriber(SID, ADDRESS, status, "paid", updated_at=SUPPRESSED_AT.isoformat(), soft_bounces=2)


@pytest.mark.parametrize("status", [COMPLAINED, BOUNCED])
def test_one_confirmation_per_thirty_days_and_the_record_stays_suppressed(status):
    w = World(suppressed(status))
    answers = []
    for days in (0, 1, 10, 29):
        w.at(SUPPRESSED_AT + timedelta(days=3 + days))
        answers.append(w.subs.subscribe(ADDRESS, client=f"192.0.2.{days}"))
    assert all(a.ok and a.reason == "" for a in answers)  # a limit reached answers as a success does
    assert len(w.mailer.sent) == 1 and w.store.get(SID) == suppressed(status)
    w.at(SUPPRESSED_AT + timedelta(days=3 + 61))  # two windows on: one more is allowed
    assert w.subs.subscribe(ADDRESS).ok and len(w.mailer.sent) == 2
    assert w.store.get(SID).status == status


def test_only_a_link_issued_after_the_complaint_brings_the_reader_back():
    w = World(Subscriber(SID, ADDRESS, PENDING, updated_at=SUPPRESSED_AT.isoformat()), now=SUPPRESSED_AT)
    w.at(SUPPRESSED_AT + timedelta(hours=1))
    old = make_token(SECRET, CONFIRM, SID, issued_at=int(w.clock.now().timestamp()))  # before the complaint
    w.at(SUPPRESSED_AT + timedelta(hours=2))
    w.complain()
    w.at(SUPPRESSED_AT + timedelta(hours=3))
    assert not w.subs.check_confirmation(old).ok
    assert not w.subs.confirm(old).ok and w.store.get(SID).status == COMPLAINED
    assert w.subs.subscribe(ADDRESS).ok
    (new,) = w.links()
    assert w.store.get(SID).status == COMPLAINED  # still suppressed until they confirm
    assert not w.subs.confirm(old).ok  # the old link stays dead even now
    assert w.subs.check_confirmation(new).ok
    outcome = w.subs.confirm(new)
    assert outcome.ok and outcome.welcome is not None
    back = w.store.get(SID)
    assert (back.status, back.reason, back.soft_bounces) == (ACTIVE, "confirmed", 0)
    assert [m.tags["kind"] for m in w.mailer.sent] == ["confirm", "welcome"]


def test_a_removed_complainer_who_signs_up_and_confirms_gets_mail_at_the_address_they_gave():
    w = World(Subscriber(SID, "", COMPLAINED, plan="", updated_at=SUPPRESSED_AT.isoformat()))  # removed: no address
    assert w.subs.subscribe(ADDRESS).ok
    (link,) = w.links()
    assert [m.recipient for m in w.mailer.sent] == [ADDRESS]
    assert w.store.get(SID).status == COMPLAINED  # suppressed until they confirm
    assert w.subs.confirm(link).ok
    back = w.store.get(SID)
    assert (back.status, back.email) == (ACTIVE, ADDRESS)
    assert [m.recipient for m in w.mailer.sent] == [ADDRESS, ADDRESS]  # the confirmation, the welcome


def test_a_link_issued_in_the_same_second_as_the_suppression_does_not_count():
    w = World(suppressed(BOUNCED), now=SUPPRESSED_AT)
    same = make_token(SECRET, CONFIRM, SID, issued_at=int(SUPPRESSED_AT.timestamp()))
    assert not w.subs.confirm(same).ok and w.store.get(SID).status == BOUNCED


def test_a_link_older_than_48_hours_by_the_injected_clock_is_refused():
    w = World(suppressed(COMPLAINED))
    assert w.subs.subscribe(ADDRESS).ok
    (link,) = w.links()
    w.at(w.clock.now() + timedelta(hours=49))
    assert not w.subs.confirm(link).ok and w.store.get(SID).status == COMPLAINED


def test_a_throttled_confirmation_gives_its_counters_back_and_is_sent_on_the_retry():
    w = World(suppressed(COMPLAINED))
    w.mailer.fail(ADDRESS, "throttle", times=1)
    body = ConfirmationRequest(ADDRESS).to_body()
    with pytest.raises(MailThrottled):
        w.consumer.handle(body)
    assert w.consumer.handle(body) == SENT and len(w.mailer.sent) == 1
    assert w.consumer.handle(body) == RECENT and len(w.mailer.sent) == 1


def test_a_request_to_come_back_from_the_preferences_page_sends_a_suppressed_reader_nothing():
    w = World(suppressed(COMPLAINED))
    assert w.consumer.handle(ConfirmationRequest(ADDRESS, again=True).to_body()) == "known"
    assert w.mailer.sent == []
