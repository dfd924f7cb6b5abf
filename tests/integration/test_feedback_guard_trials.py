"""Feedback, guard and trials handlers, driven by their events/*.json against the moto server."""

from __future__ import annotations

import json
from datetime import timedelta

from digest.core.subscriber import ACTIVE, BOUNCED, COMPLAINED, LAPSED, Subscriber
from tests.integration.handlers import event, invoke

DAY = "2026-11-28"


def _feedback_event(name: str, sid: str) -> dict:
    """The SNS-wrapped SES event, retagged for a subscriber of this test."""
    payload = event("feedback", name)
    message = json.loads(payload["Records"][0]["Sns"]["Message"])
    message["mail"]["tags"].update({"subscriber": [sid], "edition": [DAY]})
    payload["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return payload


def _reader(app, address: str, **fields) -> str:
    sid = app.subscriber_ids.of(address)
    app.subscribers.put(Subscriber(sid, address, ACTIVE, **fields))
    return sid


def test_every_feedback_event_twice_changes_things_once(app):
    hard, soft, complainer, reader = (_reader(app, f"{n}@example.com") for n in ("hard", "soft", "cmp", "ok"))
    app.ledger.claim(DAY, reader)  # the sender died after SES accepted: outcome unknown
    for _ in range(2):
        invoke("feedback", _feedback_event("bounce-permanent.json", hard))
        invoke("feedback", _feedback_event("bounce-transient.json", soft))
        invoke("feedback", _feedback_event("complaint.json", complainer))
        invoke("feedback", _feedback_event("send.json", reader))
        invoke("feedback", _feedback_event("delivery.json", reader))
        invoke("feedback", _feedback_event("delivery-delay.json", reader))
    assert app.subscribers.get(hard).status == BOUNCED
    assert app.subscribers.get(soft).status == ACTIVE and app.subscribers.get(soft).soft_bounces == 1
    assert app.subscribers.get(complainer).status == COMPLAINED
    delivered = app.ledger.get(DAY, reader)
    assert delivered.state == "sent" and delivered.detail == "delivered" and delivered.message_id


def test_reject_marks_the_delivery_failed(app):
    sid = _reader(app, "rejected@example.com")
    invoke("feedback", _feedback_event("reject.json", sid))
    assert app.ledger.get(DAY, sid).state == "failed"


def test_a_reputation_alarm_pauses_sending_and_the_sender_waits(app, stack):
    assert app.sending_switch.paused() is None
    assert invoke("guard", event("guard", "bounce-rate-ok.json")) == {"actions": ["ignored"]}
    assert invoke("guard", event("guard", "bounce-rate-alarm.json")) == {"actions": ["paused"]}
    app.sending_switch._cached = None  # the warm sender's cache expires
    assert "BounceRateAlarm" in app.sending_switch.paused()
    batch = event("send", "batch.json")
    # The batch is parked (a new, delayed message on the send queue; the received one is done), so
    # a long pause never counts receives toward the dead-letter queue.
    assert invoke("send", batch) == {"batchItemFailures": []}
    sqs, url = app.client("sqs"), app.settings.send_queue_url
    parked = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert parked["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"
    assert stack.sent_emails() == []
    app.sending_switch.resume()
    assert app.sending_switch.paused() is None


def test_the_switch_lives_outside_the_stack_and_the_operator_resumes_it(app, stack):
    """No resource of the template writes the switch (a deploy cannot resume a pause): a new stack
    has no parameter, which means sending; the guard creates it when it pauses; the README's
    ``aws ssm put-parameter --name <SendingSwitchParameterName> --value on --overwrite`` resumes."""
    ssm, name = app.client("ssm"), app.settings.sending_switch_parameter
    assert name == "/morning-digest-local/sending-switch"
    assert ssm.describe_parameters()["Parameters"] == []
    assert app.sending_switch.paused() is None
    assert invoke("guard", event("guard", "bounce-rate-alarm.json")) == {"actions": ["paused"]}
    app.sending_switch._cached = None
    assert "BounceRateAlarm" in app.sending_switch.paused()
    ssm.put_parameter(Name=name, Value="on", Overwrite=True)  # the CLI command, without --type
    app.sending_switch._cached = None
    assert app.sending_switch.paused() is None


def test_trials_remind_once_and_lapse_once(app, stack, clock):
    today = clock.now().date()
    ending = _reader(app, "ending@example.com", plan="trial", trial_end=(today + timedelta(days=2)).isoformat())
    ended = _reader(app, "ended@example.com", plan="trial", trial_end=(today - timedelta(days=1)).isoformat())
    paying = _reader(app, "paying@example.com", plan="paid")
    first = invoke("trials", event("trials", "scheduled.json"))
    again = invoke("trials", event("trials", "scheduled.json"))
    assert (first["reminded"], first["lapsed"]) == (1, 1)
    assert (again["reminded"], again["lapsed"]) == (0, 0)
    assert app.subscribers.get(ended).status == LAPSED and app.subscribers.get(paying).status == ACTIVE
    assert app.subscribers.get(ending).reminded is True
    sent = stack.sent_emails()
    assert [m["destinations"][0] for m in sent] == ["ending@example.com"]
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in sent[0]["raw_data"]
