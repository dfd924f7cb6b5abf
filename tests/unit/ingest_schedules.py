"""Random fault schedules for ingest: the agencies publish, correct and withdraw stories while
fetches fail, time out, follow redirects to stale mirrors, and the process dies between stages.

A schedule is a list of steps (plain tuples, so a failing one pastes into a test as it prints):

    ("publish", src)            the agency adds a story (version 1)
    ("correct", src, k)         a newer version of its k-th story
    ("withdraw", src, k, same)  a kill of its k-th story (``same``: at the same version number)
    ("fault", src, kind)        the next fetch of ``src`` fails so (``FAULTS``)
    ("ingest", crash)           an ingest run, then the withdrawals; ``crash`` kills it between them
                                ("before-withdraw") or inside the rebuild ("in-rebuild"), or ""
    ("assemble",)               today's edition is (re)built from the stored stories
    ("release",)                an editor releases a held edition
    ("dispatch",)               the edition is sent (the real dispatch service)

Ingest, withdrawals and dispatch are the real services; the ports are the unit fakes, the feeds
are IPTC ninjs read by the real parser. After every step two invariants are checked:
a story known to be withdrawn (its newest copy handed to the store is a kill) is never in an
edition that is queued for sending, and the stored copy of a story is never older than the
newest one handed to the store (nor un-withdrawn by a copy of the same version).
"""

from __future__ import annotations

import random
from collections import Counter

from digest.core import lifecycle
from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.story import CANCELED, Source
from digest.core.subscriber import ACTIVE, Subscriber
from digest.services.dispatch import DispatchOptions, dispatch
from digest.services.ingest import IngestLimits, ingest
from digest.services.withdraw import withdraw_recent
from tests.unit.fakes import FakeBlobStore, FakeClock, FakeEditionStore, FakeSubscriberStore
from tests.unit.ingest_world import (
    DAY,
    FAULTS,
    HTML,
    NOW,
    SOURCES,
    TEXT,
    TODAY,
    Crash,
    ScheduleFeedState,
    ScheduleFetcher,
    ScheduleQueue,
    ScheduleStories,
    Step,
    Wire,
)

__all__ = ["FAULTS", "SOURCES", "World", "as_test", "generate", "replay", "run_schedule", "shrink"]


class World:
    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.wires = {src: Wire(src) for src in SOURCES}
        self.sources = [
            Source(src, f"{src.upper()} Wire", f"{src.upper()} Wire", f"https://{src}.example/{src}", format="ninjs")
            for src in SOURCES
        ]
        self.faults: dict[str, str] = {}
        self.crash, self.monotonic_now = "", 0.0
        self.stories, self.feed_state = ScheduleStories(self), ScheduleFeedState(self)
        self.editions, self.blobs, self.clock = FakeEditionStore(), FakeBlobStore(), FakeClock(NOW)
        self.subscribers = FakeSubscriberStore([Subscriber("sub-1", "reader@example.com", ACTIVE)])
        self.violations: list[str] = []
        self.sent_versions: list[EditionRecord] = []
        self.stats: Counter[str] = Counter()  # what the schedule went through

    def step(self, step: Step) -> None:
        kind, *args = step
        try:
            getattr(self, f"_{kind}")(*args)
        except Crash:
            self.crash = ""  # the process died; the next step is a fresh invocation
            self.stats["crashes"] += 1
        self._check(step)

    def _publish(self, src: str) -> None:
        wire = self.wires[src]
        wire.versions.append([(1, "usable", f"{src.upper()} story {len(wire.versions)}")])

    def _correct(self, src: str, k: int) -> None:
        story = self._story(src, k)
        if story is not None and story[-1][1] == "usable":
            version, _, title = story[-1]
            story.append((version + 1, "usable", f"{title}, corrected"))

    def _withdraw(self, src: str, k: int, same: bool) -> None:
        story = self._story(src, k)
        if story is not None and story[-1][1] == "usable":
            version, _, title = story[-1]
            story.append((version if same else version + 1, "canceled", f"KILL: {title}"))

    def _fault(self, src: str, kind: str) -> None:
        self.faults[src] = kind

    def _ingest(self, crash: str = "") -> None:
        report = ingest(
            self.sources,
            fetcher=ScheduleFetcher(self),
            stories=self.stories,
            feed_state=self.feed_state,
            clock=self.clock,
            force=True,
            limits=IngestLimits(seconds=240.0, workers=1),
            monotonic=lambda: self.monotonic_now,
        )
        self.monotonic_now += 1.0
        if crash == "before-withdraw":
            raise Crash("killed between ingest and the withdrawals")
        rebuild = self._rebuild_crashing if crash == "in-rebuild" else self._rebuild
        days = withdraw_recent(report.withdrawn, TODAY, editions=self.editions, rebuild=rebuild, stories=self.stories)
        self.stats["ingest runs"] += 1
        self.stats["withdrawal rebuilds"] += len(days)
        self.stats["sources failed or skipped"] += sum(o.outcome in ("failed", "skipped") for o in report.outcomes)

    def _assemble(self) -> None:
        try:
            self._rebuild(DAY, "")
        except lifecycle.IllegalTransition:
            pass  # still sending

    def _release(self) -> None:
        latest = self.editions.latest(DAY)
        if latest is not None and latest.status == lifecycle.HELD:
            self.editions.set_status(latest.moved(lifecycle.RELEASE), expected=lifecycle.HELD)

    def _dispatch(self) -> None:
        options = DispatchOptions(batch_size=50, require_approval=False)
        result = dispatch(
            DAY,
            editions=self.editions,
            subscribers=self.subscribers,
            queue=ScheduleQueue(self),
            blobs=self.blobs,
            options=options,
            now=NOW,
            stories=self.stories,
        )
        self.stats["editions sent"] += result.messages > 0
        self.stats["dispatches refused for a withdrawn story"] += "withdrawn by the agency" in result.reason

    def _rebuild_crashing(self, day: str, note: str) -> None:
        raise Crash("killed inside the rebuild")

    def _rebuild(self, day: str, note: str) -> None:
        """What assemble does with the stories: the eligible ones (a correction: of its own)."""
        latest = self.editions.latest(day)
        status = lifecycle.DRAFT
        if latest is not None:
            correcting = latest.status in (lifecycle.SENDING, lifecycle.SENT)
            status = lifecycle.transition(latest.status, lifecycle.CORRECT if correcting else lifecycle.BUILD)
            status = lifecycle.HELD if latest.status == lifecycle.HELD else status
        pool = [self.stories.get(i) for i in latest.story_ids] if status == lifecycle.SENT and latest else None
        found = pool if pool is not None else list(self.stories.stories.values())
        ids = tuple(sorted(s.story_id for s in found if s is not None and s.eligible(NOW)))
        if not ids or (latest is not None and latest.story_ids == ids):
            return
        version = 1 if latest is None else latest.version + 1
        reason = latest.reason if latest is not None and status == lifecycle.HELD else ""
        record = EditionRecord(
            day, version, str(hash(ids)), status, len(ids), "Digest", NOW.isoformat(), reason=reason, story_ids=ids
        )
        for name, data in (("edition.json", "{}"), ("email-noaudio.txt", TEXT), ("email-noaudio.html", HTML)):
            self.blobs.put(version_key(day, version, name), data.encode(), "text/plain")
        self.editions.add(record)

    def _story(self, src: str, k: int) -> list[tuple[int, str, str]] | None:
        versions = self.wires[src].versions
        return versions[k % len(versions)] if versions else None

    def _check(self, step: Step) -> None:
        for story_id, (version, killed) in self.stories.handed.items():
            stored = self.stories.get(story_id)
            if stored is None or stored.version != version:
                self.violations.append(
                    f"after {step}: {story_id} stored at v{stored and stored.version}, newest handed v{version}"
                )
            elif killed and stored.status != CANCELED:
                self.violations.append(
                    f"after {step}: {story_id} was withdrawn at v{version} but is stored {stored.status}"
                )


def replay(steps: list[Step]) -> list[str]:
    """Run ``steps`` on a fresh world; the invariant violations (none when all is well)."""
    return run_schedule(steps).violations


def run_schedule(steps: list[Step]) -> World:
    """``steps`` run on a fresh world (its violations and stats)."""
    world = World()
    for step in steps:
        world.step(step)
    return world


def generate(rng: random.Random, length: int = 30) -> list[Step]:
    """A random schedule: mostly news and faults, with ingest runs, builds and sends among them."""
    steps: list[Step] = [("publish", src) for src in SOURCES]
    for _ in range(length):
        src, roll = rng.choice(SOURCES), rng.random()
        if roll < 0.12:
            steps.append(("publish", src))
        elif roll < 0.24:
            steps.append(("correct", src, rng.randrange(4)))
        elif roll < 0.36:
            steps.append(("withdraw", src, rng.randrange(4), rng.random() < 0.3))
        elif roll < 0.58:
            steps.append(("fault", src, rng.choice(FAULTS)))
        elif roll < 0.78:
            steps.append(("ingest", rng.choice(["", "", "", "before-withdraw", "in-rebuild"])))
        elif roll < 0.88:
            steps.append(("assemble",))
        elif roll < 0.93:
            steps.append(("release",))
        else:
            steps.append(("dispatch",))
    return steps


def shrink(steps: list[Step]) -> list[Step]:
    """A shorter schedule that still breaks an invariant: steps dropped one at a time while it fails."""
    smaller, changed = list(steps), True
    while changed:
        changed = False
        for index in range(len(smaller) - 1, -1, -1):
            candidate = smaller[:index] + smaller[index + 1 :]
            if replay(candidate):
                smaller, changed = candidate, True
    return smaller


def as_test(steps: list[Step], name: str = "test_ingest_schedule_regression") -> str:
    """A failing schedule as a test to paste into tests/unit/test_ingest_faults.py."""
    lines = ",\n".join(f"        {step!r}" for step in steps)
    return f"def {name}():\n    steps = [\n{lines},\n    ]\n    assert replay(steps) == []\n"
