"""The subscriber store's admin methods (every, delete, and the blanking update that keeps a
removed complainer's suppression): the fake and DynamoDB on the moto server pass the same tests."""

from __future__ import annotations

import pytest

from digest.core.subscriber import ACTIVE, COMPLAINED, PENDING, Subscriber
from tests.unit.fakes import FakeSubscriberStore


@pytest.fixture(params=["fake", "aws"])
def subscribers(request):
    if request.param == "fake":
        return FakeSubscriberStore()
    return request.getfixturevalue("app").subscribers  # the adapter bootstrap builds, on moto


def test_every_lists_each_record_once(subscribers):
    for n in range(3):
        subscribers.put(Subscriber(f"s{n}", f"r{n}@example.org", ACTIVE if n else PENDING))
    assert sorted(s.subscriber_id for s in subscribers.every()) == ["s0", "s1", "s2"]


def test_delete_removes_only_a_record_in_an_expected_status(subscribers):
    subscribers.put(Subscriber("s1", "one@example.org", ACTIVE))
    assert not subscribers.delete("s1", (PENDING,))
    assert not subscribers.delete("nobody", (ACTIVE,))
    assert not subscribers.delete("s1", ())
    assert subscribers.get("s1") is not None
    assert subscribers.delete("s1", (ACTIVE, PENDING))
    assert subscribers.get("s1") is None and list(subscribers.every()) == []


def test_a_suppressed_record_can_be_blanked_and_keeps_its_status(subscribers):
    reader = Subscriber("s1", "gone@example.org", COMPLAINED, timezone="Europe/Paris", name="Ada", send_hour=7)
    subscribers.put(reader)
    blank = {"email": "", "name": "", "timezone": "", "send_hour": None, "reason": "removed"}
    assert subscribers.update("s1", blank, (COMPLAINED,))
    kept = subscribers.get("s1")
    assert kept is not None and kept.status == COMPLAINED
    assert (kept.email, kept.name, kept.timezone, kept.send_hour, kept.reason) == ("", "", "", None, "removed")
    assert [s.subscriber_id for s in subscribers.with_status(COMPLAINED)] == ["s1"]
