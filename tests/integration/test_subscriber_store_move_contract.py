"""SubscriberStore's move of a legacy record and its aliases: the fake and DynamoSubscribers on the
moto server pass the same tests (one transaction, conditioned on the state read; an alias followed
one hop by get, update and set_status, and never overwritten itself)."""

from __future__ import annotations

import pytest

from digest.core.subscriber import ACTIVE, COMPLAINED, MOVED, UNSUBSCRIBED, Subscriber, moved_record
from tests.unit.fakes import FakeSubscriberStore

OLD, NEW = "sub-" + "a" * 24, "sub-" + "b" * 32
READ = Subscriber(OLD, "one@example.org", ACTIVE, "paid", "Europe/Paris", updated_at="2026-11-01T08:00:00+00:00")


@pytest.fixture(params=["fake", "aws"])
def subscribers(request):
    if request.param == "fake":
        return FakeSubscriberStore()
    return request.getfixturevalue("app").subscribers  # the adapter bootstrap builds, on moto


def _moved(subscribers) -> None:
    subscribers.put(READ)
    assert subscribers.move(Subscriber(**{**vars(READ), "subscriber_id": NEW}), moved_record(OLD, NEW, "t"), READ)


def test_a_move_writes_the_record_and_the_alias_together(subscribers):
    _moved(subscribers)
    assert subscribers.get(NEW) == Subscriber(**{**vars(READ), "subscriber_id": NEW})
    assert subscribers.get(OLD) == subscribers.get(NEW)  # the old id leads to the record
    assert [r.moved_to for r in subscribers.with_status(MOVED)] == [NEW]
    assert [r.subscriber_id for r in subscribers.with_status(ACTIVE)] == [NEW]


def test_a_move_from_a_stale_read_or_onto_an_existing_record_writes_nothing(subscribers):
    subscribers.put(READ)
    assert subscribers.set_status(OLD, UNSUBSCRIBED, "reader", (ACTIVE,))  # changed since READ
    record, alias = Subscriber(**{**vars(READ), "subscriber_id": NEW}), moved_record(OLD, NEW, "t")
    assert not subscribers.move(record, alias, READ)
    assert subscribers.get(NEW) is None and subscribers.get(OLD).status == UNSUBSCRIBED
    now = subscribers.get(OLD)
    subscribers.put(Subscriber(NEW, "one@example.org", ACTIVE))
    assert not subscribers.move(record, alias, now)
    assert subscribers.get(OLD).subscriber_id == OLD and subscribers.get(NEW).plan == "trial"


def test_writes_through_an_old_id_reach_the_moved_record_and_never_the_alias(subscribers):
    _moved(subscribers)
    assert subscribers.update(OLD, {"timezone": "Asia/Tokyo"}, (ACTIVE,), READ.updated_at)
    assert subscribers.get(NEW).timezone == "Asia/Tokyo"
    assert subscribers.set_status(OLD, COMPLAINED, "complaint")  # any status: still never the alias
    assert subscribers.get(NEW).status == COMPLAINED
    assert not subscribers.set_status(OLD, UNSUBSCRIBED, "reader", (ACTIVE,))
    assert [r.subscriber_id for r in subscribers.with_status(MOVED)] == [OLD]
