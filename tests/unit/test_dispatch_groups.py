"""Delivery at each reader's own morning (digest.services.dispatch and .delivery on fakes).

A clock pinned at each quarter hour of two days steps the newsroom's schedule: the 06:00 send
(London) and the dispatch of reader groups every 15 minutes, with the sender draining the queue
after each step. Readers in Tokyo, Sydney, London, Los Angeles, New York and Honolulu each get
exactly one email, at the first quarter hour on or after their local hour on the edition's date,
on the days the Americas fall back (2026-11-01: 01:00 happens twice in Los Angeles) and spring
forward (2026-03-08: 02:00 never happens there).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from digest.core.delivery_groups import QUEUED, QUEUING, GroupMark
from digest.core.edition import site_key, version_key
from digest.core.edition_record import EditionRecord
from digest.core.mailing import Mailing
from digest.core.render import PREFERENCES_SLOT, UNSUBSCRIBE_SLOT
from digest.core.schedule import edition_day
from digest.core.story import CANCELED
from digest.core.subscriber import ACTIVE, Subscriber, id_key, subscriber_id
from digest.services.dispatch import DispatchOptions, SendWindow, dispatch, dispatch_groups
from digest.services.group_progress import group_rows
from digest.services.send import Sender
from tests.unit.fakes import (
    FakeBlobStore,
    FakeClock,
    FakeEditionStore,
    FakeGroups,
    FakeLedger,
    FakeMailer,
    FakeSubscriberStore,
)

KEY = id_key("unit-test-signing-secret")  # the ids services make with the tests' signing secret

NEWSROOM = "Europe/London"
OPTIONS = DispatchOptions(batch_size=50, window=SendWindow(NEWSROOM, time(6), 120), zone=NEWSROOM, send_hour=6)
TEXT = "Quake hits Lima. " * 15 + f"\nUnsubscribe: {UNSUBSCRIBE_SLOT}\nPreferences: {PREFERENCES_SLOT}\n"
HTML = f'<html lang="en"><body><h1>Quake</h1><a href="{UNSUBSCRIBE_SLOT}">U</a> <a href="{PREFERENCES_SLOT}">P</a></body></html>'
QUARTER = timedelta(minutes=15)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def reader(name: str, zone: str = "", hour: int | None = None, **fields: object) -> Subscriber:
    address = f"{name}@example.com"
    return Subscriber(subscriber_id(address, KEY), address, ACTIVE, "paid", zone, send_hour=hour, **fields)  # type: ignore[arg-type]


class Queue:
    def __init__(self) -> None:
        self.waiting: list[str] = []
        self.all: list[str] = []

    def send(self, bodies) -> int:
        bodies = list(bodies)
        self.waiting += bodies
        self.all += bodies
        return len(bodies)


class Morning:
    """An approved edition of ``day`` (audio ready), the stores, the sender and a stepping clock."""

    def __init__(self, day: str, readers: list[Subscriber]) -> None:
        self.day, self.clock = day, FakeClock(utc(2000, 1, 1))
        self.editions, self.blobs, self.groups = FakeEditionStore(), FakeBlobStore(), FakeGroups()
        self.subscribers, self.ledger, self.mailer, self.queue = (
            FakeSubscriberStore(readers),
            FakeLedger(),
            FakeMailer(),
            Queue(),
        )
        record = EditionRecord(day, 1, "h", "approved", 3, "Morning Digest", day, audio_status="ready")
        self.editions.add(record)
        self.blobs.put(site_key(day, "edition.mp3"), b"ID3", "audio/mpeg")
        for variant in ("email", "email-noaudio"):
            self.blobs.put(version_key(day, 1, f"{variant}.txt"), TEXT.encode(), "text/plain")
            self.blobs.put(version_key(day, 1, f"{variant}.html"), HTML.encode(), "text/html")
        self.blobs.put(version_key(day, 1, "edition.json"), b"{}", "application/json")
        self.sender = Sender(
            editions=self.editions,
            blobs=self.blobs,
            subscribers=self.subscribers,
            ledger=self.ledger,
            mailer=self.mailer,
            clock=self.clock,
            options=Mailing("Morning Digest <digest@news.example.org>", "https://api.example.org", "secret"),
        )
        self.received: dict[str, list[datetime]] = {}

    def ports(self) -> dict[str, object]:
        return {
            "editions": self.editions,
            "subscribers": self.subscribers,
            "queue": self.queue,
            "blobs": self.blobs,
            "options": OPTIONS,
            "now": self.clock.now(),
            "delivery_groups": self.groups,
        }

    def step(self, at: datetime, on_step=None) -> None:
        """What the schedule does at ``at``: the 06:00 send, the groups' look, then the senders."""
        self.clock.when = at
        if on_step is not None:
            on_step(self, at)
        today = edition_day(at, NEWSROOM).isoformat()
        if at.astimezone(ZoneInfo(NEWSROOM)).time() == time(6) and today == self.day:  # the newsroom's send schedule
            dispatch(self.day, **self.ports())  # type: ignore[arg-type]
        dispatch_groups(today, **self.ports())  # type: ignore[arg-type]
        before = len(self.mailer.sent)
        while self.queue.waiting:
            self.sender.send_message(self.queue.waiting.pop(0))
        for message in self.mailer.sent[before:]:
            self.received.setdefault(message.recipient.split("@")[0], []).append(at)

    def run(self, start: datetime, end: datetime, on_step=None) -> None:
        at = start
        while at <= end:
            self.step(at, on_step)
            at += QUARTER


def test_readers_in_six_zones_each_get_one_email_at_their_hour_on_a_fall_back_day():
    readers = [
        reader("london"),  # no zone, no hour chosen: the newsroom's 06:00
        reader("tokyo", "Asia/Tokyo", 7),  # 22:00 UTC the day before: gone at once at 06:00
        reader("sydney", "Australia/Sydney", 6),
        reader("la", "America/Los_Angeles", 1),  # 01:00 happens twice: 08:00 and 09:00 UTC
        reader("ny", "America/New_York", 7),  # after New York's change: 12:00 UTC
        reader("honolulu", "Pacific/Honolulu", 23),  # 09:00 UTC the next day
    ]
    morning = Morning("2026-11-01", readers)
    morning.run(utc(2026, 10, 31, 18, 0), utc(2026, 11, 2, 12, 0))
    assert morning.received == {
        "london": [utc(2026, 11, 1, 6, 0)],
        "tokyo": [utc(2026, 11, 1, 6, 0)],
        "sydney": [utc(2026, 11, 1, 6, 0)],
        "la": [utc(2026, 11, 1, 8, 0)],
        "ny": [utc(2026, 11, 1, 12, 0)],
        "honolulu": [utc(2026, 11, 2, 9, 0)],
    }
    # One approved edition: every batch is version 1; each group was queued once.
    assert {json.loads(b)["version"] for b in morning.queue.all} == {1}
    marks = morning.groups.for_day("2026-11-01")
    assert {m.state for m in marks} == {QUEUED} and sum(m.recipients for m in marks) == len(readers)
    rows = {
        r["group"]: r
        for r in group_rows("2026-11-01", morning.groups, morning.blobs, morning.ledger.for_edition("2026-11-01"))
    }
    assert rows["America/Los_Angeles@01"]["due_local"] == "2026-11-01 01:00 PDT"
    assert rows["America/Los_Angeles@01"]["due_at"] == "2026-11-01T08:00:00+00:00"
    assert all((r["queued"], r["sent"]) == (1, 1) for r in rows.values())


def test_an_hour_the_clocks_skip_is_sent_once_at_the_first_instant_after_it():
    readers = [reader("la", "America/Los_Angeles", 2), reader("chicago", "America/Chicago", 3)]
    morning = Morning("2026-03-08", readers)
    morning.run(utc(2026, 3, 8, 0, 0), utc(2026, 3, 9, 12, 0))
    # 02:00 does not exist in Los Angeles that day: 03:00 PDT (10:00 UTC); Chicago's 03:00 CDT is 08:00 UTC.
    assert morning.received == {"la": [utc(2026, 3, 8, 10, 0)], "chicago": [utc(2026, 3, 8, 8, 0)]}


def test_a_change_of_hour_before_the_group_is_due_moves_the_reader_and_nobody_gets_two():
    readers = [reader("mover", "America/New_York", 9), reader("back", "America/New_York", 9)]
    morning = Morning("2026-12-02", readers)

    def change(world: Morning, at: datetime) -> None:
        if at == utc(2026, 12, 2, 7, 0):  # before 09:00 New York: now 10:00 there
            world.subscribers.update(readers[0].subscriber_id, {"send_hour": 10}, (ACTIVE,))
        if at == utc(2026, 12, 2, 14, 30):  # already sent at 09:00: moving to 11:00 sends nothing more
            world.subscribers.update(readers[1].subscriber_id, {"send_hour": 11}, (ACTIVE,))

    morning.run(utc(2026, 12, 2, 5, 0), utc(2026, 12, 3, 5, 0), change)
    assert morning.received == {"mover": [utc(2026, 12, 2, 15, 0)], "back": [utc(2026, 12, 2, 14, 0)]}


def test_audio_plain_text_and_a_dated_pause_shape_what_is_queued():
    readers = [
        reader("listener"),
        reader("reader", audio=False),
        reader("plain", plain_text=True),
        reader("back", paused=True, paused_until="2026-12-02"),
        reader("away", paused=True, paused_until="2026-12-05"),
        reader("gone", paused=True),
    ]
    morning = Morning("2026-12-02", readers)
    morning.run(utc(2026, 12, 2, 6, 0), utc(2026, 12, 2, 6, 0))
    queued = {}
    for body in morning.queue.all:
        payload = json.loads(body)
        for sid in payload["subscriber_ids"]:
            queued[sid.split("@")[0]] = (payload["variant"], payload.get("plain_text", False))
    by_name = {r.subscriber_id: r.email.split("@")[0] for r in readers}
    assert {by_name[sid]: v for sid, v in queued.items()} == {
        "listener": ("email", False),
        "reader": ("email-noaudio", False),
        "plain": ("email", True),
        "back": ("email", False),
    }
    lifted = morning.subscribers.get(readers[3].subscriber_id)
    assert (lifted.paused, lifted.paused_until) == (False, "")
    assert sorted(morning.received) == ["back", "listener", "plain", "reader"]


def test_each_due_group_is_queued_once_and_a_dispatch_that_died_is_taken_over():
    morning = Morning("2026-12-02", [reader("ny", "America/New_York", 8), reader("london")])
    morning.step(utc(2026, 12, 2, 6, 0))
    assert dispatch_groups("2026-12-02", **morning.ports()).messages == 0  # type: ignore[arg-type]
    (ny,) = [m for m in morning.groups.for_day("2026-12-02") if m.key == "America/New_York@08"]
    # A dispatch took the group at 13:00 and died before queueing it.
    morning.clock.when = utc(2026, 12, 2, 13, 0)
    taken = GroupMark(ny.day, ny.key, ny.due_at, QUEUING, morning.clock.when.isoformat())
    assert morning.groups.put(taken, ny)
    assert dispatch_groups("2026-12-02", **morning.ports()).messages == 0  # type: ignore[arg-type]
    morning.clock.when += timedelta(minutes=15)
    assert dispatch_groups("2026-12-02", **morning.ports()).recipients == 1  # type: ignore[arg-type]
    assert dispatch_groups("2026-12-02", **morning.ports()).recipients == 0  # type: ignore[arg-type]


def test_a_story_withdrawn_after_the_send_stops_the_later_groups():
    morning = Morning("2026-12-02", [reader("london"), reader("ny", "America/New_York", 8)])
    sent = morning.editions.latest("2026-12-02")
    morning.editions.update(replace(sent, story_ids=("ap-1",)))
    morning.step(utc(2026, 12, 2, 6, 0))
    assert sorted(morning.received) == ["london"]
    morning.clock.when = utc(2026, 12, 2, 13, 0)
    withdrawn = {"ap-1": SimpleNamespace(status=CANCELED)}
    result = dispatch_groups("2026-12-02", **morning.ports(), stories=SimpleNamespace(get=withdrawn.get))  # type: ignore[arg-type]
    assert result.recipients == 0 and morning.queue.waiting == []
    assert dispatch_groups("2026-12-02", **morning.ports()).recipients == 1  # type: ignore[arg-type]


@pytest.mark.parametrize("when", [utc(2026, 12, 2, 0, 30), utc(2026, 12, 2, 23, 59)])
def test_nothing_is_queued_for_an_edition_that_was_not_sent(when):
    morning = Morning("2026-12-02", [reader("london")])
    morning.clock.when = when
    assert dispatch_groups(edition_day(when, NEWSROOM).isoformat(), **morning.ports()).recipients == 0  # type: ignore[arg-type]
    assert morning.editions.latest("2026-12-02").status == "approved"


def test_an_editor_sending_before_the_newsrooms_hour_sends_its_group_now_and_the_others_at_theirs():
    readers = [reader("london"), reader("tokyo", "Asia/Tokyo", 7), reader("la", "America/Los_Angeles", 1)]
    morning = Morning("2026-11-01", readers)
    editor = replace(OPTIONS, window=None)

    def send_early(world: Morning, at: datetime) -> None:
        if at == utc(2026, 11, 1, 4, 30):
            assert dispatch(world.day, **{**world.ports(), "options": editor}).recipients == 2  # type: ignore[arg-type]

    morning.run(utc(2026, 11, 1, 4, 0), utc(2026, 11, 2, 12, 0), send_early)
    at_once = utc(2026, 11, 1, 4, 30)
    assert morning.received == {"london": [at_once], "tokyo": [at_once], "la": [utc(2026, 11, 1, 8, 0)]}
