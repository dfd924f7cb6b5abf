"""digest.services.feedback against in-memory fakes, fed the SNS records in events/feedback/.

Each file there is what Lambda receives from the feedback topic: an SNS notification whose
``Message`` is the SES event-publishing record (shapes from the SES Developer Guide, "Examples
of event data that Amazon SES publishes to Amazon SNS"), tagged the way the Sender tags an
edition email: ``edition``, ``subscriber`` and ``plan``.
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.core.subscriber import (
    ACTIVE,
    BOUNCED,
    CLAIMED,
    COMPLAINED,
    FAILED,
    SENT,
    UNSUBSCRIBED,
    Delivery,
    Subscriber,
    id_key,
    legacy_subscriber_id,
    subscriber_id,
)
from digest.events import sns_messages
from digest.services import feedback as feedback_module
from digest.services.feedback import SOFT_BOUNCE_LIMIT, Feedback, FeedbackOutcome, delivery_stats
from tests.unit.fakes import FakeClock, FakeLedger, FakeSubscriberStore

KEY = id_key("unit-test-signing-secret")  # the ids services make with the tests' signing secret

EVENTS = Path(__file__).resolve().parents[2] / "events" / "feedback"
FILES = ("bounce-permanent", "bounce-transient", "complaint", "delivery", "send", "reject", "delivery-delay")
ADDRESS = "reader@example.com"
# The event files carry the id SES reported: a legacy one (mail sent before ids were keyed).
SID = legacy_subscriber_id(ADDRESS)
DAY = "2026-11-28"
MID = "010001936b8a1f2c-5d7e9a0b-3c4d-4e5f-8a9b-0c1d2e3f4a5b-000000"


@pytest.fixture(autouse=True)
def _quiet_feedback_logger():
    # One INFO line per event; under log capture the property test would crawl.
    std = logging.getLogger(feedback_module.logger.name)
    level = std.level
    std.setLevel(logging.WARNING)
    yield
    std.setLevel(level)


def record(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def load(name: str, **tags: str | None) -> dict:
    """The SES event in an events/feedback file; ``tags`` replace (or, when None, drop) mail tags."""
    message = json.loads(record(name)["Records"][0]["Sns"]["Message"])
    for key, value in tags.items():
        if value is None:
            message["mail"]["tags"].pop(key, None)
        else:
            message["mail"]["tags"][key] = [value]
    return message


class World:
    def __init__(self, *subscribers: Subscriber) -> None:
        self.subscribers = FakeSubscriberStore(list(subscribers) or [Subscriber(SID, ADDRESS, ACTIVE, "trial")])
        self.ledger = FakeLedger()
        self.feedback = Feedback(subscribers=self.subscribers, ledger=self.ledger, clock=FakeClock())

    def handle(self, message: object) -> FeedbackOutcome:
        return self.feedback.handle(copy.deepcopy(message))

    def state(self) -> tuple[dict, dict]:
        return dict(self.subscribers.subscribers), dict(self.ledger.records)

    def sub(self, sid: str = SID) -> Subscriber:
        return self.subscribers.get(sid)

    def delivery(self, day: str = DAY, sid: str = SID) -> Delivery | None:
        return self.ledger.get(day, sid)


def sent_world() -> World:
    """The Sender claimed and marked the edition email as sent."""
    w = World()
    w.ledger.claim(DAY, SID)
    w.ledger.mark(DAY, SID, SENT, message_id=MID)
    return w


# --- the fixture files ---------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_event_files_are_sns_notifications_of_tagged_ses_events(name):
    rec = record(name)["Records"][0]
    assert rec["EventSource"] == "aws:sns" and rec["Sns"]["Type"] == "Notification"
    message = json.loads(rec["Sns"]["Message"])
    assert message["mail"]["messageId"] == MID and message["mail"]["destination"] == [ADDRESS]
    assert {k: v for k, v in message["mail"]["tags"].items() if not k.startswith("ses:")} == {
        "edition": [DAY],
        "subscriber": [SID],
        "plan": ["trial"],
    }
    assert sns_messages(record(name)) == [message]


@pytest.mark.parametrize("name", FILES)
def test_every_event_processed_twice_changes_nothing_the_second_time(name):
    w = sent_world()
    first = w.handle(load(name))
    after_first = w.state()
    second = w.handle(load(name))
    assert w.state() == after_first
    assert second.action == first.action and not second.changed
    assert first.changed == (name not in ("delivery-delay", "send"))  # the Sender already recorded the send


@pytest.mark.parametrize("name", FILES)
def test_every_event_on_an_unknown_outcome_twice(name):
    w = World()
    w.ledger.claim(DAY, SID)
    w.handle(load(name))
    once = w.state()
    assert not w.handle(load(name)).changed and w.state() == once


# --- bounces -------------------------------------------------------------------------------


def test_permanent_bounce_suppresses_the_subscriber_and_marks_the_delivery():
    w = sent_world()
    outcome = w.handle(load("bounce-permanent"))
    assert outcome == FeedbackOutcome("hard-bounce", SID, DAY, True)
    assert (w.sub().status, w.sub().reason) == (BOUNCED, "hard bounce: General")
    assert w.delivery() == Delivery(DAY, SID, SENT, MID, "bounced")
    assert w.sub().soft_bounces == 0


def test_transient_bounce_counts_once_per_edition():
    w = sent_world()
    outcome = w.handle(load("bounce-transient"))
    assert outcome == FeedbackOutcome("soft-bounce", SID, DAY, True)
    assert (w.sub().status, w.sub().soft_bounces) == (ACTIVE, 1)
    assert w.delivery() == Delivery(DAY, SID, SENT, MID, "soft-bounce")
    for _ in range(3):
        assert w.handle(load("bounce-transient")) == FeedbackOutcome("soft-bounce", SID, DAY, False)
    assert w.sub().soft_bounces == 1


def test_soft_bounces_reach_the_limit_exactly_once_each():
    w = World()
    days = [f"2026-12-0{n}" for n in range(1, SOFT_BOUNCE_LIMIT + 2)]
    for n, day in enumerate(days[:SOFT_BOUNCE_LIMIT], start=1):
        for _ in range(2):  # SNS delivers at least once
            w.handle(load("bounce-transient", edition=day))
        assert w.sub().soft_bounces == n
        assert w.sub().status == (BOUNCED if n == SOFT_BOUNCE_LIMIT else ACTIVE)
    assert w.sub().reason == "repeated soft bounces"
    w.handle(load("bounce-transient", edition=days[-1]))  # a straggler after suppression
    assert (w.sub().status, w.sub().reason, w.sub().soft_bounces) == (
        BOUNCED,
        "repeated soft bounces",
        SOFT_BOUNCE_LIMIT + 1,
    )


def test_undetermined_bounce_counts_as_soft():
    w = World()
    message = load("bounce-transient")
    message["bounce"].update(bounceType="Undetermined", bounceSubType="Undetermined")
    assert w.handle(message).action == "soft-bounce"
    assert (w.sub().status, w.sub().soft_bounces) == (ACTIVE, 1)


def test_soft_bounce_of_an_unsubscribed_reader_is_counted_but_does_not_suppress():
    w = World(Subscriber(SID, ADDRESS, UNSUBSCRIBED, soft_bounces=SOFT_BOUNCE_LIMIT - 1))
    w.handle(load("bounce-transient"))
    assert (w.sub().status, w.sub().soft_bounces) == (UNSUBSCRIBED, SOFT_BOUNCE_LIMIT)


def test_bounce_of_a_transactional_email_suppresses_but_leaves_no_ledger_record():
    w = World()
    hard = w.handle(load("bounce-permanent", edition=None, plan=None, kind="confirm"))
    assert hard == FeedbackOutcome("hard-bounce", SID, None, True)
    assert w.sub().status == BOUNCED and w.ledger.records == {}


def test_soft_bounce_of_a_transactional_email_is_not_counted():
    w = World()
    outcome = w.handle(load("bounce-transient", edition=None, kind="trial-reminder"))
    assert outcome == FeedbackOutcome("soft-bounce-uncounted", SID, None, False)
    assert w.sub().soft_bounces == 0 and w.ledger.records == {}


# --- complaints ----------------------------------------------------------------------------


def test_complaint_unsubscribes_for_good_and_is_not_a_bounce():
    w = sent_world()
    assert w.handle(load("complaint")) == FeedbackOutcome("complaint", SID, DAY, True)
    assert (w.sub().status, w.sub().reason, w.sub().soft_bounces) == (COMPLAINED, "complaint: abuse", 0)
    assert not w.sub().receives_editions
    assert w.delivery() == Delivery(DAY, SID, SENT, MID, "complained")


def test_complaint_overrides_a_bounce_but_a_bounce_never_overrides_a_complaint():
    w = sent_world()
    w.handle(load("bounce-permanent"))
    w.handle(load("complaint"))
    assert (w.sub().status, w.sub().reason) == (COMPLAINED, "complaint: abuse")
    w.handle(load("bounce-permanent"))
    w.handle(load("bounce-transient", edition="2026-11-29"))
    assert (w.sub().status, w.sub().reason) == (COMPLAINED, "complaint: abuse")
    assert w.delivery().detail == "complained"


def test_complaint_without_a_feedback_type():
    w = World()
    message = load("complaint")
    del message["complaint"]["complaintFeedbackType"]
    w.handle(message)
    assert w.sub().reason == "complaint: unspecified"


# --- delivery, send, reject: reconciling the ledger ----------------------------------------


def test_delivery_reconciles_a_claim_left_by_a_crashed_sender():
    w = World()
    w.ledger.claim(DAY, SID)
    assert w.handle(load("delivery")) == FeedbackOutcome("delivered", SID, DAY, True)
    assert w.delivery() == Delivery(DAY, SID, SENT, MID, "delivered")
    assert w.sub().status == ACTIVE


def test_delivery_marks_a_sent_record_delivered():
    w = sent_world()
    w.handle(load("delivery"))
    assert w.delivery() == Delivery(DAY, SID, SENT, MID, "delivered")


def test_send_reconciles_a_claim_without_claiming_delivery():
    w = World()
    w.ledger.claim(DAY, SID)
    assert w.handle(load("send")) == FeedbackOutcome("sent", SID, DAY, True)
    assert w.delivery() == Delivery(DAY, SID, SENT, MID, "")


def test_send_never_rewrites_a_known_outcome():
    w = sent_world()
    assert not w.handle(load("send")).changed  # the Sender recorded it already
    w.handle(load("delivery"))
    assert not w.handle(load("send")).changed
    assert w.delivery().detail == "delivered"


def test_reject_fails_the_delivery():
    w = World()
    w.ledger.claim(DAY, SID)
    assert w.handle(load("reject")) == FeedbackOutcome("rejected", SID, DAY, True)
    assert w.delivery() == Delivery(DAY, SID, FAILED, MID, "rejected: Bad content")
    assert w.sub().status == ACTIVE  # a virus verdict says nothing about the address


@pytest.mark.parametrize(
    "events",
    [
        ("send", "delivery", "complaint"),
        ("send", "delivery", "bounce-permanent"),
        ("send", "reject"),
        ("send", "delivery"),
    ],
)
def test_events_of_one_message_converge_in_any_order(events):
    finals = set()
    for order in itertools.permutations(events):
        w = World()
        w.ledger.claim(DAY, SID)
        for name in order:
            w.handle(load(name))
        finals.add((w.sub(), w.delivery()))
    assert len(finals) == 1


# --- what is ignored, unmatched or malformed -----------------------------------------------


@pytest.mark.parametrize("kind", ["DeliveryDelay", "Rendering Failure", "Subscription", "Future"])
def test_other_event_types_are_ignored(kind):  # Open and Click are counted: tests/unit/test_read_tracking.py
    w = sent_world()
    before = w.state()
    message = load("delivery-delay")
    message["eventType"] = kind
    assert w.handle(message).action == "ignored"
    assert w.state() == before


def test_identity_notification_without_tags_is_unmatched():
    w = sent_world()
    before = w.state()
    message = load("bounce-permanent")
    del message["mail"]["tags"]
    assert w.handle(message) == FeedbackOutcome("unmatched", None, None, False)
    message = load("complaint", subscriber=None)
    assert w.handle(message) == FeedbackOutcome("unmatched", None, DAY, False)
    assert w.state() == before


def _malformed() -> list[object]:
    no_mail = load("bounce-permanent")
    del no_mail["mail"]
    no_id = load("delivery")
    del no_id["mail"]["messageId"]
    no_bounce = load("bounce-permanent")
    del no_bounce["bounce"]
    no_type = load("bounce-permanent")
    del no_type["bounce"]["bounceType"]
    bad_tags = load("complaint")
    bad_tags["mail"]["tags"] = ["subscriber", SID]
    no_event_type = load("complaint")
    del no_event_type["eventType"]
    return [
        None,
        "not json {",
        [],
        {},
        no_mail,
        no_id,
        no_bounce,
        no_type,
        bad_tags,
        no_event_type,
        {"eventType": "Reject", "mail": load("reject")["mail"], "reject": "Bad content"},
    ]


@pytest.mark.parametrize("message", _malformed())
def test_malformed_events_change_nothing(message):
    w = sent_world()
    before = w.state()
    assert w.handle(message).action == "malformed"
    assert w.state() == before


def test_a_body_that_is_not_json_reaches_handle_as_malformed():
    event = record("delivery")
    event["Records"][0]["Sns"]["Message"] = "{truncated"
    [message] = sns_messages(event)
    assert World().handle(message).action == "malformed"


def test_a_forged_subscriber_tag_is_unmatched():
    w = sent_world()
    before = w.state()
    assert w.handle(load("complaint", subscriber="sub-x\nadmin")).action == "unmatched"
    assert w.state() == before


def test_unknown_subscriber_still_gets_its_ledger_outcome():
    w = World()
    ghost = subscriber_id("gone@example.com", KEY)
    outcome = w.handle(load("bounce-permanent", subscriber=ghost))
    assert outcome == FeedbackOutcome("hard-bounce", ghost, DAY, True)
    assert w.subscribers.get(ghost) is None and w.delivery(sid=ghost).detail == "bounced"


def test_logs_name_subscribers_by_id_never_by_address(caplog):
    logging.getLogger(feedback_module.logger.name).setLevel(logging.INFO)
    with caplog.at_level(logging.INFO):
        for name in FILES:
            World().handle(load(name))
    assert caplog.records and ADDRESS not in caplog.text
    assert all(ADDRESS not in json.dumps(vars(r), default=str) for r in caplog.records)
    assert any(getattr(r, "subscriber_id", None) == SID for r in caplog.records)


# --- the property: replaying anything already processed changes nothing ---------------------

OTHER = subscriber_id("other@example.com", KEY)
_EVENT = st.tuples(
    st.sampled_from(FILES), st.sampled_from(["2026-12-01", "2026-12-02", "2026-12-03"]), st.sampled_from([SID, OTHER])
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_EVENT, max_size=12), st.randoms(use_true_random=False))
def test_replaying_processed_events_in_any_order_changes_nothing(events, rng):
    w = World(Subscriber(SID, ADDRESS, ACTIVE), Subscriber(OTHER, "other@example.com", ACTIVE))
    messages = [load(name, edition=day, subscriber=sid) for name, day, sid in events]
    for message in messages:
        w.handle(message)
    once = w.state()
    rng.shuffle(messages)
    assert not any(w.handle(message).changed for message in messages)
    assert w.state() == once
    assert all(s.soft_bounces <= 3 for s in w.subscribers.subscribers.values())


# --- delivery_stats --------------------------------------------------------------------------


def test_delivery_stats_puts_every_record_in_one_bucket():
    records = [
        Delivery(DAY, "a", CLAIMED),
        Delivery(DAY, "b", SENT, "m"),
        Delivery(DAY, "c", SENT, "m", "delivered"),
        Delivery(DAY, "d", SENT, "m", "bounced"),
        Delivery(DAY, "e", SENT, "m", "soft-bounce"),
        Delivery(DAY, "f", SENT, "m", "complained"),
        Delivery(DAY, "g", FAILED, "", "rejected: Bad content"),
        Delivery(DAY, "h", FAILED, "", "unusable address: ValueError"),
        Delivery(DAY, "i", SENT, "m", "delivered"),
    ]
    assert delivery_stats(records) == {
        "sent": 1,
        "delivered": 2,
        "bounced": 2,
        "complained": 1,
        "failed": 2,
        "unknown": 1,
        "total": 9,
    }
    assert delivery_stats([]) == dict.fromkeys(
        ("sent", "delivered", "bounced", "complained", "failed", "unknown", "total"), 0
    )


def test_delivery_stats_after_feedback():
    w = World(Subscriber(SID, ADDRESS, ACTIVE), Subscriber(OTHER, "other@example.com", ACTIVE))
    w.ledger.claim(DAY, SID)
    w.ledger.claim(DAY, OTHER)
    w.handle(load("delivery"))
    stats = delivery_stats(w.ledger.records.values())
    assert (stats["delivered"], stats["unknown"], stats["total"]) == (1, 1, 2)
