"""digest.services.trials.run_trials against in-memory fakes and the real reminder templates."""

from __future__ import annotations

import email
import email.policy
import logging
import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from digest.core.edition import Brand
from digest.core.mailing import Mailing
from digest.core.render import environment
from digest.core.subscriber import ACTIVE, LAPSED, PENDING, UNSUBSCRIBED, Subscriber, id_key, subscriber_id
from digest.core.tokens import UNSUBSCRIBE, read_token
from digest.services import trials as trials_module
from digest.services.trials import REMINDER_DAYS, TrialReport, run_trials
from tests.unit.fakes import FakeClock, FakeMailer, FakeSubscriberStore

KEY = id_key("unit-test-signing-secret")  # the ids services make with the tests' signing secret

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TODAY = date(2026, 11, 28)
SECRET = "unit-test-signing-secret"
API = "https://news.example.org/digest/api"
SUBSCRIBE = "https://news.example.org/digest/subscribe?from=trial-reminder"
OPTIONS = Mailing(sender="Morning Digest <digest@news.example.org>", api_base_url=API, signing_secret=SECRET)


def trial(local: str, days_left: int | None, *, plan: str = "trial", status: str = ACTIVE, **fields) -> Subscriber:
    address = f"{local}@example.com"
    end = "" if days_left is None else (TODAY + timedelta(days=days_left)).isoformat()
    return Subscriber(subscriber_id(address, KEY), address, status, plan, trial_end=end, **fields)


class World:
    def __init__(self, *subscribers: Subscriber, brand: Brand | None = None) -> None:
        self.subscribers = FakeSubscriberStore(list(subscribers))
        self.mailer = FakeMailer()
        self.env = environment(TEMPLATES)
        self.brand = brand or Brand(trial_url=SUBSCRIBE)

    def run(self, today: date = TODAY) -> TrialReport:
        return run_trials(
            today,
            subscribers=self.subscribers,
            mailer=self.mailer,
            env=self.env,
            brand=self.brand,
            options=OPTIONS,
            clock=FakeClock(),
        )

    def get(self, s: Subscriber) -> Subscriber:
        return self.subscribers.get(s.subscriber_id)


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def parts(raw: bytes) -> tuple[str, str]:
    msg = parsed(raw)
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


@pytest.fixture(autouse=True)
def _quiet_trials_logger():
    std = logging.getLogger(trials_module.logger.name)
    level = std.level
    std.setLevel(logging.WARNING)
    yield
    std.setLevel(level)


# --- who is reminded, who lapses --------------------------------------------------------------


def test_reminds_in_the_window_and_lapses_ended_trials_once():
    soon, tomorrow, later = trial("soon", REMINDER_DAYS), trial("tomorrow", 1), trial("later", REMINDER_DAYS + 1)
    ends_today, ended = trial("today", 0), trial("ended", -5, reminded=True)
    w = World(soon, tomorrow, later, ends_today, ended)
    assert w.run() == TrialReport(reminded=2, lapsed=2)
    assert sorted(w.mailer.recipients()) == sorted([soon.email, tomorrow.email])
    assert w.get(soon).reminded and w.get(tomorrow).reminded and not w.get(later).reminded
    assert (w.get(ends_today).status, w.get(ends_today).reason) == (LAPSED, f"trial ended {TODAY.isoformat()}")
    assert w.get(ended).reason == f"trial ended {(TODAY - timedelta(days=5)).isoformat()}"
    assert w.get(later).status == ACTIVE and w.get(soon).receives_editions

    snapshot = dict(w.subscribers.subscribers)
    assert w.run() == TrialReport()  # the same day again: nothing to do
    assert len(w.mailer.sent) == 2 and w.subscribers.subscribers == snapshot


def test_a_reminded_trial_is_not_reminded_again_and_lapses_on_its_last_day():
    soon = trial("soon", 2)
    w = World(soon)
    for offset in range(2):
        w.run(TODAY + timedelta(days=offset))
    assert len(w.mailer.sent) == 1 and w.get(soon).status == ACTIVE
    assert w.run(TODAY + timedelta(days=2)) == TrialReport(lapsed=1)
    assert w.get(soon).status == LAPSED and len(w.mailer.sent) == 1
    assert w.run(TODAY + timedelta(days=3)) == TrialReport()


def test_a_missed_reminder_is_sent_on_a_later_run_inside_the_window():
    w = World(trial("late", 1))
    assert w.run().reminded == 1


def test_other_plans_and_inactive_subscribers_are_untouched():
    others = [
        trial("paid", -1, plan="paid"),
        trial("student", None, plan="student"),
        trial("faculty", 1, plan="faculty"),
        trial("comp", 0, plan="complimentary"),
        trial("pending", -1, status=PENDING),
        trial("gone", 1, status=UNSUBSCRIBED),
    ]
    w = World(*others)
    before = dict(w.subscribers.subscribers)
    assert w.run() == TrialReport()
    assert w.subscribers.subscribers == before and w.mailer.sent == []


def test_a_trial_without_an_end_date_is_skipped():
    broken, bad = trial("broken", None), replace(trial("bad", 1), trial_end="next week")
    w = World(broken, bad)
    assert w.run() == TrialReport(skipped=2)
    assert w.mailer.sent == [] and w.get(broken) == broken


def test_a_paused_trial_still_lapses():
    w = World(trial("paused", -1, paused=True))
    assert w.run().lapsed == 1


def test_a_failed_send_records_nothing_and_is_retried_next_run():
    soon = trial("soon", 2)
    w = World(soon)
    w.mailer.fail(soon.email, "throttle", times=1)
    assert w.run() == TrialReport(failed=1)
    assert not w.get(soon).reminded
    assert w.run() == TrialReport(reminded=1)
    assert w.get(soon).reminded and len(w.mailer.sent) == 1


def test_recording_the_reminder_keeps_changes_made_meanwhile():
    soon = trial("soon", 2, name="Ada", timezone="Europe/Lisbon")
    w = World(soon)
    w.run()
    assert w.get(soon) == replace(soon, reminded=True, updated_at=FakeClock().now().isoformat())


# --- the reminder email -------------------------------------------------------------------------


def test_reminder_has_one_click_unsubscribe_headers_and_the_subscribe_link():
    soon = trial("soon", REMINDER_DAYS)
    w = World(soon)
    w.run()
    [sent] = w.mailer.sent
    assert sent.tags == {"kind": "trial-reminder", "subscriber": soon.subscriber_id}
    msg = parsed(sent.raw)
    assert msg["To"] == soon.email
    assert msg["Subject"] == "Your free trial of Morning Digest ends on Tuesday, December 1, 2026"
    unsubscribe = msg["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{API}/unsubscribe/") and unsubscribe.endswith(">")
    token = unsubscribe[1:-1].rsplit("/", 1)[1]
    assert read_token(SECRET, UNSUBSCRIBE, token) == soon.subscriber_id
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["List-Id"] == "<morning-digest>"
    text, html = parts(sent.raw)
    assert SUBSCRIBE in text and unsubscribe[1:-1] in text
    assert SUBSCRIBE.replace("&", "&amp;") in html and unsubscribe[1:-1] in html
    assert "Tuesday, December 1, 2026" in text and "Tuesday, December 1, 2026" in html
    assert re.search(
        r'<a class="btn-link" href="[^"]+" ses:no-track="" style="display: inline-block;', html
    )  # css-inline ran


def test_the_same_reminder_has_the_same_message_id():
    first, second = World(trial("soon", 2)), World(trial("soon", 2))
    first.run()
    second.run()
    assert parsed(first.mailer.sent[0].raw)["Message-ID"] == parsed(second.mailer.sent[0].raw)["Message-ID"]


def test_hostile_subscriber_and_brand_content_is_escaped_or_refused():
    hostile_name = trial("soon", 2, name="<script>alert('x')</script>")
    injected = replace(trial("inject", 2), email="inject@example.com\r\nBcc: victim@example.net")
    brand = Brand(name='Digest <img src=x onerror="alert(1)"> & Co', contact_email="editors@news.example.org")
    w = World(hostile_name, injected, brand=brand)
    report = w.run()
    assert (report.reminded, report.failed) == (1, 1)
    assert w.mailer.recipients() == [hostile_name.email]
    assert not w.get(injected).reminded
    raw = w.mailer.sent[0].raw
    assert b"victim@example.net" not in raw and b"<script>" not in raw
    text, html = parts(raw)
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    assert "&amp; Co" in html
    assert brand.name in text  # plain text is not HTML: shown as written


def test_logs_never_carry_addresses_or_tokens(caplog):
    logging.getLogger(trials_module.logger.name).setLevel(logging.INFO)
    soon = trial("soon", 2)
    w = World(soon, trial("ended", -1), replace(trial("inject", 2), email="x@example.com\r\nBcc: y@example.net"))
    with caplog.at_level(logging.INFO):
        w.run()
    token = parsed(w.mailer.sent[0].raw)["List-Unsubscribe"][1:-1].rsplit("/", 1)[1]
    assert caplog.records
    for r in caplog.records:
        blob = repr(vars(r))
        assert "@example.com" not in blob and token not in blob
    assert any(getattr(r, "subscriber_id", None) == soon.subscriber_id for r in caplog.records)
