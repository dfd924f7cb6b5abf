"""The 06:00 edition goes out at 06:00 local, once a day, across daylight-saving changes.

EventBridge Scheduler never fires on the local stack, so the template's own send schedule
(``cron(...)`` in ``ScheduleExpressionTimezone``) is evaluated by ``digest.core.schedule``, and the
real assemble/dispatch/send handlers run at each fire time against the moto server.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from digest.core.subscriber import ACTIVE, Subscriber
from digest_tools.local.stack import drain_queue
from tests.integration.handlers import event, invoke
from tests.integration.stories import stories_for
from tests.support.cron import fire_times

READERS = ["ada@example.com", "ben@example.org"]


def _send_schedule(stack) -> str:
    schedule = stack.template["Resources"]["DispatchFunction"]["Properties"]["Events"]["Schedule"]["Properties"]
    return stack.resolve(schedule["ScheduleExpression"])


def _morning_at(app, stack, fire: datetime, zone: str) -> tuple[str, dict]:
    day = fire.astimezone(ZoneInfo(zone)).date()
    app.clock.when = datetime.combine(day, time(5), ZoneInfo(zone)).astimezone(UTC)
    built = invoke("assemble", event("assemble", "scheduled.json"))
    assert built["edition_date"] == day.isoformat() and built["status"] == "draft", built
    app.clock.when = fire
    queued = invoke("dispatch", event("dispatch", "scheduled.json"))
    drain_queue(app.client("sqs"), app.settings.send_queue_url, app.sender.send_message)
    return day.isoformat(), queued


@pytest.mark.parametrize(
    ("zone", "first_day"),
    [
        ("America/New_York", date(2026, 3, 7)),  # spring forward on Sunday 8 March
        ("America/New_York", date(2026, 10, 31)),  # fall back on Sunday 1 November
        ("Asia/Kolkata", date(2026, 3, 7)),  # no daylight saving
    ],
)
def test_the_edition_goes_out_at_six_local_once_a_day(app, stack, zone, first_day):
    app.settings = replace(app.settings, edition_timezone=zone)
    for address in READERS:
        app.subscribers.put(Subscriber(app.subscriber_ids.of(address), address, ACTIVE, "paid"))
    fires = fire_times(_send_schedule(stack), zone, first_day, 3)
    assert [f.astimezone(ZoneInfo(zone)).time() for f in fires] == [time(6)] * 3
    for fire in fires:
        day = fire.astimezone(ZoneInfo(zone)).date()
        stories_for(app, day, zone)
        edition_date, queued = _morning_at(app, stack, fire, zone)
        assert queued["recipients"] == len(READERS), queued
        # The scheduler retries (or fires twice): nobody gets a second email.
        invoke("dispatch", event("dispatch", "scheduled.json"))
        drain_queue(app.client("sqs"), app.settings.send_queue_url, app.sender.send_message)
        assert {app.ledger.get(edition_date, app.subscriber_ids.of(a)).state for a in READERS} == {"sent"}
    sent = stack.sent_emails()
    assert len(sent) == len(READERS) * 3
    utc_hours = sorted({f.hour for f in fires})
    if zone == "America/New_York":
        assert len(utc_hours) == 2, "06:00 local is a different UTC hour on each side of the change"


def test_a_late_trigger_outside_the_send_window_holds_the_edition(app, stack):
    zone = "America/New_York"
    for address in READERS:
        app.subscribers.put(Subscriber(app.subscriber_ids.of(address), address, ACTIVE, "paid"))
    day = date(2026, 11, 28)
    stories_for(app, day, zone)
    late = datetime.combine(day, time(10, 30), ZoneInfo(zone)).astimezone(UTC)  # after an outage
    edition_date, queued = _morning_at(app, stack, late, zone)
    assert queued["recipients"] == 0 and queued["reason"].startswith("held: too late")
    assert app.editions.latest(edition_date).status == "held"
    assert "past the send window" in app.editions.latest(edition_date).reason
    assert stack.sent_emails() == []
