"""The send path's waiting and its ledger writes against the moto server (SQS, DynamoDB over HTTP).

* A paused send parks its batches as new, delayed messages on the real send queue: receive counts
  start again, so a long pause never moves them to the dead-letter queue.
* ``digest queue redrive`` moves dead letters back (the command's own functions on real queues).
* The DynamoDB ledger: a claim knows its owner (a retried put sees its own claim), ``mark`` can
  be conditional (a bounce that arrived first is kept), ``release`` only drops its owner's claim.
"""

from __future__ import annotations

import json

from digest.core.subscriber import CLAIMED, SENT
from digest_tools.cli.queue import dead_letter_url, move, waiting
from tests.integration.handlers import event, invoke

DAY = "2026-11-28"


def _receive(sqs, url: str) -> list[dict]:
    reply = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"], WaitTimeSeconds=0
    )
    return reply.get("Messages", [])


def test_a_paused_send_parks_its_batch_with_a_delay_and_deletes_the_received_one(app, stack):
    sqs, url = app.client("sqs"), app.settings.send_queue_url
    body = json.dumps({"edition_date": DAY, "version": 1, "variant": "email", "subscriber_ids": ["sub-a", "sub-b"]})
    sqs.send_message(QueueUrl=url, MessageBody=body)
    app.sending_switch.pause("operator: checking a complaint")
    received = _receive(sqs, url)
    assert len(received) == 1
    template = event("send", "batch.json")["Records"][0]
    message = received[0]
    records = [{**template, "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"]}]
    records[0]["body"] = message["Body"]
    assert invoke("send", {"Records": records}) == {"batchItemFailures": []}  # parked, not failed
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])  # the event source's delete
    assert _receive(sqs, url) == []  # the parked copy waits out its delay ...
    assert waiting(sqs, dead_letter_url(sqs, url)) == 0
    assert waiting(sqs, url) == 1  # ... as a new message: its receive count starts again
    assert app.ledger.get(DAY, "sub-a") is None  # nothing claimed while paused


def test_queue_redrive_moves_dead_letters_back_to_the_send_queue(app, stack):
    sqs, url = app.client("sqs"), app.settings.send_queue_url
    dead = dead_letter_url(sqs, url)
    assert dead != url and "SendDeadLetterQueue" in dead
    bodies = [json.dumps({"n": i}) for i in range(13)]
    for b in bodies:
        sqs.send_message(QueueUrl=dead, MessageBody=b)
    assert move(sqs, dead, url, limit=3) == 3
    assert move(sqs, dead, url) == 10
    assert waiting(sqs, dead) == 0
    moved = []
    while messages := _receive(sqs, url):
        moved += [m["Body"] for m in messages]
    assert sorted(moved) == sorted(bodies)


def test_the_ledger_claim_knows_its_owner_and_release_only_drops_that_owners_claim(app):
    ledger = app.ledger
    assert ledger.claim(DAY, "s1", "tok-a")
    assert not ledger.claim(DAY, "s1", "tok-a")  # a retried put whose reply was lost ...
    assert ledger.get(DAY, "s1").owner == "tok-a"  # ... finds its own claim
    ledger.release(DAY, "s1", owner="tok-b")  # someone else's release: a no-op
    assert ledger.get(DAY, "s1").state == CLAIMED
    ledger.release(DAY, "s1", owner="tok-a")
    assert ledger.get(DAY, "s1") is None


def test_a_conditional_mark_keeps_a_bounce_that_arrived_before_the_senders_mark(app):
    ledger = app.ledger
    assert ledger.claim(DAY, "s2", "tok-a")
    claim = ledger.get(DAY, "s2")
    # SES's Bounce event got here first (the feedback function's compare-and-set on the claim).
    assert ledger.mark(DAY, "s2", SENT, message_id="m-1", detail="bounced", if_current=claim)
    # The sender's own mark, conditioned on its claim, no longer applies.
    assert not ledger.mark(DAY, "s2", SENT, message_id="m-1", if_current=claim)
    assert ledger.get(DAY, "s2").detail == "bounced"
    assert ledger.mark(DAY, "s3", SENT, message_id="m-2", if_absent=True)
    assert not ledger.mark(DAY, "s3", SENT, message_id="m-3", if_absent=True)
    assert ledger.get(DAY, "s3").message_id == "m-2"
