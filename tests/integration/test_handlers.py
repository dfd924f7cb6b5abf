"""Every Lambda handler, driven by its events/*.json, against the moto server over HTTP."""

from __future__ import annotations

import json

import pytest

from digest.core.subscriber import ACTIVE, UNSUBSCRIBED, Subscriber
from digest.core.tokens import UNSUBSCRIBE, make_token
from tests.integration.handlers import event, invoke

DAY = "2026-11-28"
READERS = ["ada@example.com", "ben@example.org", "cy@example.edu"]


def _subscribe(app, *addresses: str) -> list[str]:
    for address in addresses:
        app.subscribers.put(Subscriber(app.subscriber_ids.of(address), address, ACTIVE, "paid"))
    return [app.subscriber_ids.of(a) for a in addresses]


def _morning(app) -> dict:
    ingested = invoke("ingest", event("ingest", "scheduled.json"))
    built = invoke("assemble", event("assemble", "scheduled.json"))
    narrated = invoke("narrate", event("narrate", "manual.json"))
    return {"ingest": ingested, "assemble": built, "narrate": narrated}


def _sqs_event(app) -> dict:
    """Receive the queued batches and wrap them as the SQS event source would."""
    template = event("send", "batch.json")["Records"][0]
    reply = app.client("sqs").receive_message(QueueUrl=app.settings.send_queue_url, MaxNumberOfMessages=10)
    records = [
        {**template, "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]}
        for m in reply.get("Messages", [])
    ]
    return {"Records": records}


def test_ingest_handler_stores_sample_stories_and_reports_sources(app, sources_file):
    result = invoke("ingest", event("ingest", "scheduled.json"))
    assert result["sources"] == {"ap": "fetched", "afp": "fetched", "reuters": "fetched"}
    assert result["seen"] >= 25
    assert result["stored"] == result["seen"]
    # The next scheduled run finds every source not yet due (15-minute interval).
    soon = invoke("ingest", event("ingest", "scheduled.json"))
    assert set(soon["sources"].values()) == {"not-due"} and soon["stored"] == 0
    # An editor's forced run re-reads everything and stores nothing twice.
    forced = invoke("ingest", event("ingest", "manual-force.json"))
    assert forced["seen"] == result["seen"] and forced["stored"] == 0


def test_assemble_narrate_handlers_build_an_edition_with_audio(app, sources_file):
    steps = _morning(app)
    assert steps["assemble"]["created"] is True
    assert steps["assemble"]["edition_date"] == DAY
    assert steps["assemble"]["stories"] >= 5
    assert steps["narrate"]["audio_status"] in ("ready", "placeholder")
    record = app.editions.latest(DAY)  # the audio stays private until the edition is sent
    assert app.blobs.exists(record.audio_key) and not app.blobs.exists(f"site/{DAY}/edition.mp3")
    rebuilt = invoke("assemble", event("assemble", "manual.json"))
    assert rebuilt["created"] is False and rebuilt["version"] == steps["assemble"]["version"]


def test_assemble_handler_refuses_a_malformed_date(app):
    from digest.errors import ConfigError

    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        invoke("assemble", event("assemble", "malformed-date.json"))


def test_dispatch_and_send_handlers_send_once_per_subscriber(app, stack, sources_file):
    ids = _subscribe(app, *READERS)
    _morning(app)
    app.clock.when = app.clock.when.replace(hour=11)  # 06:00 in New York: the send schedule fires
    queued = invoke("dispatch", event("dispatch", "scheduled.json"))
    assert queued == {"edition_date": DAY, "recipients": 3, "messages": 1, "reason": "", "variant": "email"}
    sqs_event = _sqs_event(app)
    assert invoke("send", sqs_event) == {"batchItemFailures": []}
    # A redelivered message and a re-run dispatch send nobody twice.
    assert invoke("send", sqs_event) == {"batchItemFailures": []}
    rerun = invoke("dispatch", event("dispatch", "scheduled.json"))
    assert rerun["recipients"] == 0 and "cannot send twice" in rerun["reason"]
    assert app.editions.latest(DAY).status == "sent"
    sent = stack.sent_emails()
    assert sorted(m["destinations"][0] for m in sent) == sorted(READERS)
    assert all(app.ledger.get(DAY, sid).state == "sent" for sid in ids)


def test_send_handler_reports_a_poison_message_as_a_batch_item_failure(app):
    poison = event("send", "batch.json")
    poison["Records"][0]["body"] = "{not json"
    result = invoke("send", poison)
    assert result == {"batchItemFailures": [{"itemIdentifier": poison["Records"][0]["messageId"]}]}


def test_unsubscribe_handler_get_shows_a_form_and_post_unsubscribes(app):
    (sid,) = _subscribe(app, "ada@example.com")
    token = make_token(app.signing_secret, UNSUBSCRIBE, sid)

    def with_token(name: str) -> dict:
        payload = json.loads(json.dumps(event("public", name)).replace("TOKEN", token))
        return payload

    page = invoke("public", with_token("link-scanner-get.json"))
    assert page["statusCode"] == 200 and '<form method="post"' in page["body"]
    assert app.subscribers.get(sid).status == ACTIVE  # a link scanner's GET changes nothing
    done = invoke("public", with_token("one-click-post.json"))
    assert done["statusCode"] == 200
    assert app.subscribers.get(sid).status == UNSUBSCRIBED
    assert invoke("public", with_token("one-click-post.json"))["statusCode"] == 200  # idempotent


def test_unsubscribe_handler_refuses_a_forged_token(app):
    (sid,) = _subscribe(app, "ada@example.com")
    result = invoke("public", event("public", "forged-token-post.json"))
    assert result["statusCode"] == 400
    assert app.subscribers.get(sid).status == ACTIVE


def test_editor_handler_acts_for_the_iam_caller_and_refuses_illegal_moves(app, sources_file):
    _morning(app)
    status = json.loads(invoke("editor", event("editor", "status-get.json"))["body"])
    assert status["status"] == "draft" and status["edition_date"] == DAY
    assert invoke("editor", event("editor", "hold-post.json"))["statusCode"] == 200
    refused = invoke("editor", event("editor", "approve-post.json"))
    assert refused["statusCode"] == 409 and "cannot approve a held edition" in json.loads(refused["body"])["error"]
    entries = app.audit.for_edition(DAY)
    assert [(e.action, e.outcome, e.actor) for e in entries] == [
        ("hold", "ok", "arn:aws:iam::123456789012:user/night-editor"),
        ("approve", "refused", "arn:aws:iam::123456789012:user/night-editor"),
    ]
