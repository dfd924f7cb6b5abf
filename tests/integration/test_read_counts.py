"""Read counts: the fake in tests/unit/fakes.py and the DynamoDB adapter on the moto server pass the
same tests (a port contract), and the feedback handler counts SNS-wrapped SES Open and Click
records (events/feedback/open.json, click.json) through moto's DynamoDB. Moto's SES publishes no
Open or Click events, so the records are fed to the handler as SNS would deliver them.

No test races counts against the moto server: it applies an update without a lock, so concurrent
ADDs can lose one there, while DynamoDB applies each atomically. Each count is one UpdateItem with
ADD (dynamo_reads), never a read and a write."""

from __future__ import annotations

import json

import pytest

from digest.core.subscriber import ACTIVE, Subscriber
from tests.integration.handlers import event, invoke
from tests.unit.fakes import FakeReadCounts

DAY = "2026-11-28"
STORY = "ap-5b1c0e7d2a9f4c3b8e61"  # the story tag of events/feedback/click.json


@pytest.fixture(params=["fake", "aws"])
def reads(request):
    if request.param == "fake":
        return FakeReadCounts()
    return request.getfixturevalue("app").read_counts  # the adapter bootstrap builds, on moto


def test_nothing_counted_is_zeros(reads):
    tally = reads.tally(DAY)
    assert (tally.opens, tally.clicks, tally.stories) == (0, 0, {})


def test_opens_and_clicks_add_up_per_edition_and_story(reads):
    for _ in range(3):
        reads.add(DAY, "open")
    reads.add(DAY, "click", "ap-1")
    reads.add(DAY, "click", "ap-1")
    reads.add(DAY, "click", "afp-2")
    reads.add(DAY, "click")  # a tracked link without a story tag
    reads.add("2026-11-29", "open")
    tally = reads.tally(DAY)
    assert (tally.opens, tally.clicks, tally.stories) == (3, 4, {"ap-1": 2, "afp-2": 1})
    assert reads.tally("2026-11-29").opens == 1


def test_an_unknown_kind_is_refused(reads):
    with pytest.raises(ValueError):
        reads.add(DAY, "forward")


def test_counts_live_beside_the_ledger_without_touching_an_edition_s_records(app):
    app.ledger.claim(DAY, "sub-1")
    app.read_counts.add(DAY, "click", "ap-1")
    assert [d.subscriber_id for d in app.ledger.for_edition(DAY)] == ["sub-1"]
    assert app.delivery_groups.for_day(DAY) == []


def test_the_feedback_handler_counts_open_and_click_records_and_stores_no_reader(app):
    reader = "sub-d108b279434fe1d54ac0f1da"  # the subscriber tag of the samples
    app.subscribers.put(Subscriber(reader, "reader@example.com", ACTIVE))
    before = app.subscribers.get(reader)
    assert invoke("feedback", event("feedback", "open.json")) == {"actions": {"open": 1}}
    for _ in range(2):
        assert invoke("feedback", event("feedback", "click.json")) == {"actions": {"click": 1}}
    tally = app.read_counts.tally(DAY)
    assert (tally.opens, tally.clicks, tally.stories) == (1, 2, {STORY: 2})
    assert list(app.ledger.for_edition(DAY)) == [] and app.subscribers.get(reader) == before
    items = app.read_counts.model.query("reads#" + DAY)
    assert all(reader not in json.dumps(item.attribute_values) for item in items)


def test_a_test_copy_s_click_is_not_counted(app):
    payload = event("feedback", "click.json")
    record = json.loads(payload["Records"][0]["Sns"]["Message"])
    record["mail"]["tags"] = {"edition": [DAY], "kind": ["test"]}
    payload["Records"][0]["Sns"]["Message"] = json.dumps(record)
    assert invoke("feedback", payload) == {"actions": {"read-unmatched": 1}}
    assert app.read_counts.tally(DAY).clicks == 0
