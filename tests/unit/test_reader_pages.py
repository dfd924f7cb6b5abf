"""Confirmation, welcome, preferences and unsubscribe (digest.services.subscribe and .reader) on
in-memory fakes with the real templates; and the pages themselves rendered from templates/site."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from digest.core.edition import Brand
from digest.core.mailing import Mailing
from digest.core.preferences import Preferences, read_preferences, zone_groups
from digest.core.render import environment
from digest.core.site import SiteLinks, render_page
from digest.core.subscriber import ACTIVE, COMPLAINED, PENDING, UNSUBSCRIBED, Subscriber, id_key, subscriber_id
from digest.core.tokens import CONFIRM, UNSUBSCRIBE, make_token
from digest.services.reader import STORED
from digest.services.subscribe import Subscriptions
from tests.unit.fakes import FakeClock, FakeMailer, FakeSubscriberStore
from tests.unit.signup_world import signup_ports

KEY = id_key("unit-test-signing-secret")  # the ids services make with the tests' signing secret

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SECRET = "unit-test-signing-secret"
API = "https://api.news.example.org"
SITE = SiteLinks("https://news.example.org/digest", API)
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # 07:00 in New York: today's 06:00 has passed
ADDRESS = "ada.reader@example.com"
SID = subscriber_id(ADDRESS, KEY)


def world(*readers: Subscriber) -> tuple[Subscriptions, FakeSubscriberStore, FakeMailer]:
    store, mailer = FakeSubscriberStore(list(readers)), FakeMailer()
    ports = dict(
        subscribers=store,
        mailer=mailer,
        env=environment(TEMPLATES),
        brand=Brand(),
        clock=FakeClock(NOW),
        options=Mailing("Morning Digest <digest@news.example.org>", API, SECRET),
    )
    subs = Subscriptions(
        **ports,
        **signup_ports(**ports),
        site=SITE,
        send_hour=6,
    )
    return subs, store, mailer


def reader(status: str = ACTIVE, **fields) -> Subscriber:
    return Subscriber(SID, ADDRESS, status, **fields)


def token(purpose: str = UNSUBSCRIBE) -> str:
    return make_token(SECRET, purpose, SID)


def text(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return message.get_body(preferencelist=("plain",)).get_content()


def test_showing_the_confirmation_changes_nothing_and_the_post_confirms_once_with_a_welcome():
    subs, store, mailer = world(reader(PENDING, created_at=NOW.isoformat()))
    assert subs.check_confirmation(token(CONFIRM)).ok and store.get(SID).status == PENDING and mailer.sent == []
    outcome = subs.confirm(token(CONFIRM))
    assert outcome.ok and store.get(SID).status == ACTIVE and store.get(SID).trial_end == "2026-12-16"
    (welcome,) = mailer.sent
    body = text(welcome.raw)
    assert "tomorrow, Thursday, December 3, 2026" in body and "Wednesday, December 16, 2026" in body
    assert f"{API}/preferences/" in body and f"{API}/unsubscribe/" in body and "podcast.xml" in body
    assert welcome.tags == {"kind": "welcome", "subscriber": SID}
    assert subs.confirm(token(CONFIRM)).ok and len(mailer.sent) == 1  # a second POST: no second welcome


def test_a_paid_reader_who_subscribes_again_keeps_the_plan():
    subs, store, _ = world(reader(PENDING, plan="paid", trial_end="2026-11-01"))
    assert subs.confirm(token(CONFIRM)).ok
    assert (store.get(SID).plan, store.get(SID).status) == ("paid", ACTIVE)


@pytest.mark.parametrize("wrong", [token(UNSUBSCRIBE), make_token("other-secret", CONFIRM, SID), "garbage"])
def test_forged_confirmations_are_refused_on_show_and_on_post(wrong):
    subs, store, mailer = world(reader(PENDING))
    assert not subs.check_confirmation(wrong).ok and not subs.confirm(wrong).ok
    assert store.get(SID).status == PENDING and mailer.sent == []


def test_saving_without_the_pause_field_never_unpauses():
    subs, store, _ = world(reader(paused=True))
    account = subs.account.save(token(), {"timezone": "Europe/Paris"})
    assert account.saved and store.get(SID).paused and store.get(SID).timezone == "Europe/Paris"
    assert subs.account.save(token(), {"pause": "no"}).saved and not store.get(SID).paused


def test_an_unknown_zone_changes_nothing_and_says_why():
    subs, store, _ = world(reader())
    account = subs.account.save(token(), {"timezone": "Mars/Olympus", "pause": "yes"})
    assert account.problems == ("Choose a time zone from the list.",) and not account.saved
    assert store.get(SID) == reader()


@pytest.mark.parametrize("status", [UNSUBSCRIBED, COMPLAINED])
def test_a_reader_who_left_sees_their_state_and_nothing_is_saved(status):
    subs, store, _ = world(reader(status))
    account = subs.account.save(token(), {"pause": "yes"})
    assert account.status == status and not account.saved and store.get(SID) == reader(status)


def test_unsubscribe_keeps_the_reason_and_never_softens_a_complaint():
    subs, store, _ = world(reader())
    assert subs.account.unsubscribe(token(), "  Too much\r\nnews ")
    assert (store.get(SID).status, store.get(SID).reason) == (UNSUBSCRIBED, "reader: Too much news")
    subs, store, _ = world(reader(COMPLAINED))
    assert subs.account.unsubscribe(token(), "bye") and store.get(SID).status == COMPLAINED
    assert not subs.account.unsubscribe(make_token("forged", UNSUBSCRIBE, SID))


def test_subscribing_again_goes_through_a_new_confirmation():
    subs, store, mailer = world(reader(UNSUBSCRIBED))
    account = subs.account.resubscribe(token())
    assert account.status == PENDING and store.get(SID).status == PENDING
    (confirmation,) = mailer.sent
    assert f"{API}/confirm/" in text(confirmation.raw)
    subs, store, mailer = world(reader(COMPLAINED))  # a complaint is not undone from a link
    assert subs.account.resubscribe(token()).status == COMPLAINED and mailer.sent == []


def test_preferences_read_only_the_fields_sent():
    now = Preferences(paused=True, paused_until="2026-12-20")
    assert read_preferences({"audio": "1"}, now, [], date(2026, 12, 2)) == (now, [])
    until, problems = read_preferences({"pause": "until", "pause_until": "2026-12-01"}, now, [], date(2026, 12, 2))
    assert problems and until == now


def test_every_page_renders_in_each_state():
    env, brand = environment(TEMPLATES), Brand(name='Digest <img src=x onerror="alert(1)">')
    zones = zone_groups(["Europe/Paris", "America/New_York", "UTC"])
    common = {"problems": [], "saved": False, "action_url": f"{API}/x", "unsubscribe_url": f"{API}/u"}
    pages = [
        ("signup", {"state": s, "problem": "bad <address>", "email": "<x>"}) for s in ("form", "sent", "error")
    ] + [
        ("preferences", {**common, "state": s, "status": st, "prefs": Preferences(), "zones": zones,
                         "hours": [(6, "06:00")], "today": "2026-12-03", "last_day": "2027-12-02", "fields": STORED})
        for s, st in (("form", ACTIVE), ("closed", UNSUBSCRIBED), ("closed", COMPLAINED), ("resubscribed", PENDING), ("error", ""))
    ]  # fmt: skip
    for name, context in pages:
        html = render_page(env, name, brand, SITE, **context)
        assert "<img src=x" not in html and "&lt;img src=x" in html
        assert "<x>" not in html and 'lang="en"' in html


def test_a_welcome_that_fails_to_send_does_not_undo_the_confirmation():
    subs, store, mailer = world(reader(PENDING))
    mailer.fail(ADDRESS, "throttle", times=1)
    outcome = subs.confirm(token(CONFIRM))
    assert outcome.ok and outcome.welcome is not None and store.get(SID).status == ACTIVE and mailer.sent == []
