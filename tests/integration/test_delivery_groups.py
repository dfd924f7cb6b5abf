"""Delivery at each reader's own morning through the real handlers against the moto server.

The assemble, dispatch and send handlers run as the schedules would fire them on 2026-11-01, the
day New York and Los Angeles fall back: the newsroom's 06:00 send (New York) and the reader
groups' look every 15 minutes (``events/dispatch/groups.json``), on a clock stepped a quarter hour
at a time (EventBridge Scheduler never fires locally). Readers in six zones each get exactly one
email, at their local hour. The group marks' store (DynamoDB, ledger table) and the tests' fake
keep the same conditional-write contract.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from digest.core.delivery_groups import PLANNED, QUEUED, QUEUING, GroupMark
from digest.core.subscriber import ACTIVE, Subscriber
from digest_tools.local.stack import drain_queue
from tests.integration.handlers import event, invoke
from tests.integration.stories import stories_for
from tests.unit.fakes import FakeGroups

DAY = date(2026, 11, 1)
READERS = {  # name: (zone, hour, when the email is due, UTC)
    "newsroom": ("", None, datetime(2026, 11, 1, 11, 0, tzinfo=UTC)),  # 06:00 EST, the newsroom's send
    "tokyo": ("Asia/Tokyo", 7, datetime(2026, 11, 1, 11, 0, tzinfo=UTC)),  # passed already: at once
    "london": ("Europe/London", 12, datetime(2026, 11, 1, 12, 0, tzinfo=UTC)),
    "newyork": ("America/New_York", 9, datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),  # EST since 06:00 UTC
    "la": ("America/Los_Angeles", 7, datetime(2026, 11, 1, 15, 0, tzinfo=UTC)),  # PST since 09:00 UTC
    "honolulu": ("Pacific/Honolulu", 23, datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),  # the next UTC day
}


def test_readers_in_six_zones_get_one_email_each_at_their_hour_on_a_clock_change_day(app, stack):
    for name, (zone, hour, _) in READERS.items():
        address = f"{name}@example.com"
        app.subscribers.put(Subscriber(app.subscriber_ids.of(address), address, ACTIVE, "paid", zone, send_hour=hour))
    stories_for(app, DAY, "America/New_York")
    app.clock.when = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)  # 05:00 EST: the edition is built
    assert invoke("assemble", event("assemble", "scheduled.json"))["edition_date"] == DAY.isoformat()
    received: dict[str, list[datetime]] = {}
    at = datetime(2026, 11, 1, 10, 15, tzinfo=UTC)
    while at <= datetime(2026, 11, 2, 10, 0, tzinfo=UTC):
        app.clock.when = at
        if at == datetime(2026, 11, 1, 11, 0, tzinfo=UTC):
            first = invoke("dispatch", event("dispatch", "scheduled.json"))
            assert (first["recipients"], first["reason"]) == (2, ""), first
        invoke("dispatch", event("dispatch", "groups.json"))
        before = len(stack.sent_emails())
        drain_queue(app.client("sqs"), app.settings.send_queue_url, app.sender.send_message)
        for message in stack.sent_emails()[before:]:
            received.setdefault(message["destinations"][0].split("@")[0], []).append(at)
        at += timedelta(minutes=15)
    assert received == {name: [due] for name, (_, _, due) in READERS.items()}
    marks = app.delivery_groups.for_day(DAY.isoformat())
    assert len(marks) == 6 and {m.state for m in marks} == {QUEUED}
    groups = app.editor.status(DAY.isoformat())["groups"]
    assert [(g["group"], g["queued"], g["sent"]) for g in groups][-1] == ("Pacific/Honolulu@23", 1, 1)
    assert {g["due_local"][-3:] for g in groups if g["zone"] == "America/New_York"} == {"EST"}


@pytest.mark.parametrize("store", ["fake", "dynamodb"])
def test_group_marks_are_written_only_over_the_mark_expected(app, store):
    marks = FakeGroups() if store == "fake" else app.delivery_groups
    planned = GroupMark(
        "2026-11-01", "Asia/Tokyo@07", "2026-10-31T22:00:00+00:00", PLANNED, "2026-10-31T11:00:00+00:00"
    )
    assert marks.put(planned, None) and not marks.put(planned, None)
    taken = GroupMark(planned.day, planned.key, planned.due_at, QUEUING, "2026-10-31T22:00:00+00:00")
    assert marks.put(taken, planned) and not marks.put(taken, planned)  # a second taker loses
    done = GroupMark(planned.day, planned.key, planned.due_at, QUEUED, taken.at, recipients=3, messages=1)
    assert marks.put(done, taken)
    assert marks.for_day("2026-11-01") == [done] and marks.for_day("2026-11-02") == []
