"""The world of the ingest fault schedules (``ingest_schedules``): the agencies' feeds, and the
unit fakes wrapped so that a step can make a fetch fail or kill the process at a chosen point."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from digest.core import lifecycle
from digest.core.fetch import Fetched
from digest.core.render import PREFERENCES_SLOT, UNSUBSCRIBE_SLOT
from digest.core.story import CANCELED, Story
from tests.unit.fakes import FakeFeedState, FakeStoryStore

if TYPE_CHECKING:
    from tests.unit.ingest_schedules import World

Step = tuple[object, ...]
SOURCES = ("a", "b", "c")
FAULTS = ("http500", "raise", "refused", "slow", "stale", "crash-in-store", "crash-after-store", "crash-before-state")
DAY, TODAY = "2026-11-28", date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
TEXT = "Quake hits Lima. " * 15 + f"\nUnsubscribe: {UNSUBSCRIBE_SLOT}\nPreferences: {PREFERENCES_SLOT}\n"
HTML = (
    f'<html lang="en"><body><h1>Quake hits Lima</h1><a href="{UNSUBSCRIBE_SLOT}">Unsubscribe</a> '
    f'<a href="{PREFERENCES_SLOT}">Preferences</a></body></html>'
)


class Crash(BaseException):
    """The process dies here: nothing in the services may catch it."""


@dataclass
class Wire:
    """One agency's truth: each story's versions, and every feed snapshot it has served."""

    key: str
    versions: list[list[tuple[int, str, str]]] = field(default_factory=list)  # per story: (version, status, title)
    snapshots: list[bytes] = field(default_factory=list)

    def feed(self) -> bytes:
        items = [ninjs(self.key, n, *story[-1]) for n, story in enumerate(self.versions)]
        return json.dumps({"items": items}).encode()


def ninjs(src: str, n: int, version: int, status: str, title: str) -> dict[str, object]:
    return {
        "uri": f"urn:{src}:{n}",
        "version": str(version),
        "pubstatus": status,
        "versioncreated": "2026-11-28T04:00:00Z",
        "headlines": [{"value": title}],
        "bodies": [{"contenttype": "text/html", "value": f"<p>{title}: officials said on Friday.</p>"}],
        "links": [{"rel": "canonical", "href": f"https://{src}.example/{n}"}],
    }


class ScheduleFetcher:
    def __init__(self, world: World) -> None:
        self.world = world

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        src = url.rsplit("/", 1)[1]
        wire, fault = self.world.wires[src], self.world.faults.pop(src, "")
        if fault == "raise":
            raise ValueError("Port out of range 0-65535")  # what a redirect to host:99999 raised
        if fault == "refused":
            return Fetched(url, 0, None, error="refused 10.0.0.1: not a public address", refused=True)
        if fault == "http500":
            return Fetched(url, 500, None, error="HTTP 500 Internal Server Error")
        if fault == "slow":
            self.world.monotonic_now += 300.0  # the whole run's budget, spent in one fetch
            return Fetched(url, 0, None, error="no complete answer within 10 s")
        body = wire.feed()
        older = [snapshot for snapshot in wire.snapshots if snapshot != body]
        if fault == "stale" and older:  # a redirect to a mirror that lags behind
            body = self.world.rng.choice(older)
        wire.snapshots.append(body)
        if fault.startswith("crash"):
            self.world.crash = fault
        return Fetched(url, 200, body)


class ScheduleStories(FakeStoryStore):
    """The fake store, plus what the model knows: the newest copy handed over for each id."""

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.handed: dict[str, tuple[int, bool]] = {}  # story id -> (newest version, killed at it)

    def save(self, story: Story) -> str:
        if self.world.crash == "crash-in-store":
            self.world.crash = ""
            raise Crash("killed before the store write")
        result = super().save(story)
        version, killed = self.handed.get(story.story_id, (0, False))
        if story.version > version:
            version, killed = story.version, False
        self.handed[story.story_id] = (version, killed or story.status == CANCELED)
        if self.world.crash == "crash-after-store":
            self.world.crash = ""
            raise Crash("killed after the store write")
        return result


class ScheduleFeedState(FakeFeedState):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world

    def put(self, state: object) -> None:
        if self.world.crash == "crash-before-state":
            self.world.crash = ""
            raise Crash("killed before the feed state was written")
        super().put(state)  # type: ignore[arg-type]


class ScheduleQueue:
    def __init__(self, world: World) -> None:
        self.world = world

    def send(self, bodies: object) -> int:
        sent = list(bodies)  # type: ignore[call-overload]
        record = self.world.editions.latest(DAY)
        assert record is not None and record.status == lifecycle.SENDING
        self.world.sent_versions.append(record)
        for story_id in record.story_ids:
            if self.world.stories.handed.get(story_id, (0, False))[1]:
                self.world.violations.append(f"withdrawn story {story_id} queued in version {record.version}")
        return len(sent)
