"""Sign-up floods, the confirmation queue and its consumer against the moto server over HTTP: the
public handler counts each request in the sign-up limits table and queues it on the confirmation
queue (SQS); the confirm handler, fed the queue's messages as Lambda's event source feeds them,
sends the confirmations through SES."""

from __future__ import annotations

import base64
import json
import random
from dataclasses import replace

import pytest

from digest.core.subscriber import ACTIVE, PENDING, Subscriber
from digest.errors import MailThrottled
from tests.integration.handlers import event, invoke


@pytest.fixture
def queued(app):
    """The app with the deployed wiring: requests stay on the queue until the test drains it."""
    app.settings = replace(app.settings, confirm_queue_drain="event-source")
    return app


def sign_up(address: str, client: str = "203.0.113.7", json_body: bool = True) -> dict:
    """The public handler's answer to a sign-up for ``address`` from ``client``."""
    request = event("public", "subscribe-post.json")
    request["requestContext"]["http"]["sourceIp"] = client
    if json_body:
        request["headers"]["content-type"] = "application/json"
        request["body"] = base64.b64encode(json.dumps({"email": address}).encode()).decode()
    else:
        form = f"email={address.replace('@', '%40').replace('+', '%2B')}&role=&website="
        request["body"] = base64.b64encode(form.encode()).decode()
    request["headers"]["content-length"] = str(len(base64.b64decode(request["body"])))
    return invoke("public", request)


def receive(app) -> list[dict]:
    reply = app.client("sqs").receive_message(QueueUrl=app.settings.confirm_queue_url, MaxNumberOfMessages=10)
    return reply.get("Messages", [])


def consume(app, messages: list[dict]) -> set[str]:
    """One confirm invocation on ``messages``; deletes what succeeded (as the event source does)
    and returns the ids reported as failed."""
    template = event("confirm", "request.json")["Records"][0]
    records = [
        {**template, "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]}
        for m in messages
    ]
    failed = {f["itemIdentifier"] for f in invoke("confirm", {"Records": records})["batchItemFailures"]}
    for m in messages:
        if m["MessageId"] not in failed:
            app.client("sqs").delete_message(QueueUrl=app.settings.confirm_queue_url, ReceiptHandle=m["ReceiptHandle"])
    return failed


def drain(app) -> int:
    handled = 0
    while messages := receive(app):
        assert not consume(app, messages)
        handled += len(messages)
    return handled


def test_a_flood_of_a_thousand_plus_variants_sends_the_mailbox_limit(queued, stack):
    rng = random.Random(5)
    limit = queued.settings.signup_limit_mailbox
    answers = set()
    for n in range(1000):
        local = "".join(c.upper() if rng.random() < 0.3 else c for c in "victim")
        reply = sign_up(f"{local}+{n}@example.org", client=f"198.51.{n // 200}.{n % 200}")
        answers.add((reply["statusCode"], reply["body"]))
    assert answers == {(202, json.dumps({"status": "pending"}))}
    assert drain(queued) == limit
    sent = [m["destinations"][0] for m in stack.sent_emails()]
    assert len(sent) == limit == 3 and all(a.lower().startswith("victim+") for a in sent)


def test_a_throttled_confirmation_comes_back_from_the_queue_and_is_sent_once(queued, stack):
    class ThrottleOnce:
        """moto never throttles SES: this stands in for one throttled call, behind the Mailer port."""

        def __init__(self, real) -> None:
            self.real, self.calls = real, 0

        def send_raw(self, raw: bytes, recipient: str, tags: dict[str, str]) -> str:
            self.calls += 1
            if self.calls == 1:
                raise MailThrottled("Maximum sending rate exceeded")
            return self.real.send_raw(raw, recipient, tags)

    queued.transactional_mailer = ThrottleOnce(queued.transactional_mailer)  # confirmations go through it
    assert sign_up("slow.reader@example.org")["statusCode"] == 202
    (message,) = receive(queued)
    assert consume(queued, [message]) == {message["MessageId"]}
    assert stack.sent_emails() == []
    sqs, url = queued.client("sqs"), queued.settings.confirm_queue_url
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    (again,) = receive(queued)  # its visibility timeout over (set to 0 here), the message is back
    assert again["MessageId"] == message["MessageId"] and not consume(queued, [again])
    assert [m["destinations"][0] for m in stack.sent_emails()] == ["slow.reader@example.org"]
    assert queued.subscribers.get(queued.subscriber_ids.of("slow.reader@example.org")).status == PENDING
    assert drain(queued) == 0 and queued.transactional_mailer.calls == 2


def test_a_known_and_a_new_address_get_the_same_answer(queued, stack):
    known = "long.time.reader@example.org"
    queued.subscribers.put(Subscriber(queued.subscriber_ids.of(known), known, ACTIVE, "paid"))
    for json_body in (True, False):
        old = sign_up(known, json_body=json_body)
        new = sign_up(f"brand.new.{json_body}@example.org", json_body=json_body)
        assert (old["statusCode"], old["body"]) == (new["statusCode"], new["body"])
        assert old["statusCode"] == 202
    assert drain(queued) == 4
    assert sorted(m["destinations"][0] for m in stack.sent_emails()) == [
        "brand.new.false@example.org",
        "brand.new.true@example.org",
    ]


def test_counters_are_atomic_conditional_writes_with_a_ttl(queued):
    counters = queued.signup_counters
    assert [counters.take("k#1", 2, 1_800_000_000) for _ in range(3)] == [True, True, False]
    counters.give_back("k#1")
    assert counters.take("k#1", 2, 1_800_000_000) and not counters.take("k#1", 2, 1_800_000_000)
    item = queued.client("dynamodb").get_item(
        TableName=queued.settings.signup_limits_table, Key={"counter": {"S": "k#1"}}
    )["Item"]
    assert item["uses"] == {"N": "2"} and item["expires_at"] == {"N": "1800000000"}
    counters.give_back("never-taken")  # nothing to give back: no error, no item below zero


def test_the_local_stack_drains_the_queue_right_after_each_request(app, stack):
    assert app.settings.confirm_queue_drain == "inline"
    assert sign_up("local.reader@example.org")["statusCode"] == 202
    assert [m["destinations"][0] for m in stack.sent_emails()] == ["local.reader@example.org"]
    assert receive(app) == []


def test_a_message_that_is_not_a_request_is_reported_so_it_reaches_the_dead_letter_queue(queued, stack):
    poison = event("confirm", "request.json")
    poison["Records"][0]["body"] = '{"v": 1, "email": "not an address"}'
    assert invoke("confirm", poison) == {"batchItemFailures": [{"itemIdentifier": poison["Records"][0]["messageId"]}]}
    good = event("confirm", "request.json")
    assert invoke("confirm", good) == {"batchItemFailures": []}
    assert [m["destinations"][0] for m in stack.sent_emails()] == ["new.reader@example.com"]
