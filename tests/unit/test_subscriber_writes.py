"""Subscriber writes set only their fields, on the state they read: a stale read never overwrites
a newer state, and complained or bounced readers stay suppressed (services on in-memory fakes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from digest.core.edition import Brand
from digest.core.mailing import Mailing
from digest.core.render import environment
from digest.core.site import SiteLinks
from digest.core.subscriber import (
    ACTIVE,
    BOUNCED,
    COMPLAINED,
    PENDING,
    UNSUBSCRIBED,
    Subscriber,
    id_key,
    subscriber_id,
)
from digest.core.tokens import CONFIRM, UNSUBSCRIBE, make_token
from digest.services.feedback import Feedback
from digest.services.subscribe import Subscriptions
from digest.services.trials import run_trials
from tests.unit.fakes import FakeClock, FakeLedger, FakeMailer, FakeSubscriberStore
from tests.unit.signup_world import signup_ports

KEY = id_key("unit-test-signing-secret")  # the ids services make with the tests' signing secret

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SECRET = "unit-test-signing-secret"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ADDRESS = "ada.reader@example.com"
SID = subscriber_id(ADDRESS, KEY)
OPTIONS = Mailing("Morning Digest <digest@news.example.org>", "https://api.news.example.org", SECRET)


class StaleOnce(FakeSubscriberStore):
    """A store whose first read returns the record as it was before ``later`` changed it: the
    read-then-write window of a concurrent writer, made deterministic."""

    def __init__(self, before: Subscriber, later: dict[str, object]) -> None:
        super().__init__([replace(before, **later)])  # type: ignore[arg-type]
        self.stale: Subscriber | None = before

    def get(self, subscriber_id: str) -> Subscriber | None:
        stale, self.stale = self.stale, None
        return stale if stale is not None else super().get(subscriber_id)


def subscriptions(store: FakeSubscriberStore, mailer: FakeMailer | None = None) -> Subscriptions:
    ports = dict(
        subscribers=store,
        mailer=mailer or FakeMailer(),
        env=environment(TEMPLATES),
        brand=Brand(),
        clock=FakeClock(NOW),
        options=OPTIONS,
    )
    return Subscriptions(
        **ports, **signup_ports(**ports), site=SiteLinks("https://news.example.org/digest", OPTIONS.api_base_url)
    )


def reader(status: str = ACTIVE, **fields: object) -> Subscriber:
    return Subscriber(SID, ADDRESS, status, updated_at="2026-12-01T08:00:00+00:00", **fields)  # type: ignore[arg-type]


def test_preferences_saved_on_a_stale_read_do_not_undo_an_unsubscribe():
    store = StaleOnce(reader(), {"status": UNSUBSCRIBED, "reason": "reader"})
    page = subscriptions(store).account.save(make_token(SECRET, UNSUBSCRIBE, SID), {"timezone": "Asia/Tokyo"})
    assert not page.saved and page.status == UNSUBSCRIBED
    assert (store.get(SID).status, store.get(SID).timezone) == (UNSUBSCRIBED, reader().timezone)


def test_an_unsubscribe_on_a_stale_read_keeps_a_complaint():
    store = StaleOnce(reader(), {"status": COMPLAINED, "reason": "complaint"})
    assert subscriptions(store).account.unsubscribe(make_token(SECRET, UNSUBSCRIBE, SID), "bye")
    assert (store.get(SID).status, store.get(SID).reason) == (COMPLAINED, "complaint")


def test_a_subscribe_of_a_suppressed_address_sends_a_confirmation_and_changes_nothing():
    for status in (COMPLAINED, BOUNCED):
        store, mailer = FakeSubscriberStore([reader(status, plan="paid")]), FakeMailer()
        before = store.get(SID)
        assert subscriptions(store, mailer).subscribe(ADDRESS).ok
        assert store.get(SID) == before  # still suppressed: only confirming the new link brings them back
        assert [m.tags["kind"] for m in mailer.sent] == ["confirm"]


def test_a_subscribe_on_a_stale_read_of_a_complaint_leaves_the_complaint():
    store, mailer = StaleOnce(reader(UNSUBSCRIBED), {"status": COMPLAINED}), FakeMailer()
    assert subscriptions(store, mailer).subscribe(ADDRESS).ok
    assert store.get(SID).status == COMPLAINED  # never made pending: the complaint stands
    assert [m.tags["kind"] for m in mailer.sent] == ["confirm"]


def test_a_confirmation_on_a_stale_read_does_not_undo_an_unsubscribe():
    store = StaleOnce(reader(PENDING), {"status": UNSUBSCRIBED, "updated_at": NOW.isoformat()})
    outcome = subscriptions(store).confirm(make_token(SECRET, CONFIRM, SID))
    assert not outcome.ok and store.get(SID).status == UNSUBSCRIBED


def test_a_paid_reader_who_comes_back_keeps_the_plan_and_end_date():
    store = FakeSubscriberStore([reader(UNSUBSCRIBED, plan="paid", trial_end="2026-01-01")])
    subs = subscriptions(store)
    assert subs.subscribe(ADDRESS).ok and store.get(SID).status == PENDING
    assert subs.confirm(make_token(SECRET, CONFIRM, SID)).ok
    got = store.get(SID)
    assert (got.status, got.plan, got.trial_end) == (ACTIVE, "paid", "2026-01-01")
    assert (
        run_trials(
            date(2026, 12, 2),
            subscribers=store,
            mailer=FakeMailer(),
            env=environment(TEMPLATES),
            brand=Brand(),
            options=OPTIONS,
            clock=FakeClock(NOW),
        ).lapsed
        == 0
    )
    assert store.get(SID).status == ACTIVE


def test_a_trial_ending_does_not_lapse_a_reader_who_unsubscribed_meanwhile():
    store = StaleOnce(reader(plan="trial", trial_end="2026-11-30"), {"status": UNSUBSCRIBED})
    store.stale = None  # the listing (with_status) is what is stale here

    def listing(status: str):
        return iter([reader(plan="trial", trial_end="2026-11-30")])

    store.with_status = listing  # type: ignore[method-assign]
    report = run_trials(
        date(2026, 12, 2),
        subscribers=store,
        mailer=FakeMailer(),
        env=environment(TEMPLATES),
        brand=Brand(),
        options=OPTIONS,
        clock=FakeClock(NOW),
    )
    assert report.lapsed == 0 and store.get(SID).status == UNSUBSCRIBED


def test_a_complaint_on_a_stale_read_still_lands_and_a_bounce_never_replaces_it():
    store = StaleOnce(reader(), {"status": UNSUBSCRIBED})
    feedback = Feedback(subscribers=store, ledger=FakeLedger(), clock=FakeClock(NOW))
    complaint = {"eventType": "Complaint", "complaint": {}, "mail": {"messageId": "m1", "tags": {"subscriber": [SID]}}}
    feedback.handle(complaint)
    assert store.get(SID).status == COMPLAINED
    bounce = {
        "eventType": "Bounce",
        "bounce": {"bounceType": "Permanent"},
        "mail": {"messageId": "m2", "tags": {"subscriber": [SID]}},
    }
    feedback.handle(bounce)
    assert store.get(SID).status == COMPLAINED
