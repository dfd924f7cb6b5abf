"""Ingest: fetch every due source politely, parse, clean, identify and store stories.

One broken or slow source never stops the others: each source runs on its own (any exception
while fetching, parsing or storing it becomes that source's recorded problem), sources are
fetched concurrently by a bounded pool of threads, and the run has a time budget: a source not
started within it is recorded as skipped for lack of time. Each source's outcome (fetched, not
modified, not due, failed with a reason, skipped) is recorded as data. Only http(s) story URLs
are stored; any other is recorded as a "bad-url" problem and left out.

A story body is capped at ``MAX_BODY_BYTES`` of UTF-8 (DynamoDB items end at 400 KB, and a story
item also keeps its versions): a longer body is cut at a word boundary and a "size" problem says
so, so one huge story can never fail its source's every poll.

Withdrawals are not decided here: ``report.withdrawn`` lists the cancels this run stored, but the
editions are checked against the stored stories (``services.withdraw``), so a run that stopped
after storing a cancel still leads to the withdrawal on the next run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from digest.core.fetch import FeedState
from digest.core.reading import with_reading
from digest.core.story import CANCELED, NEW, SAME, UPDATED, ParseResult, Problem, Source, Story
from digest.core.wire import parse_wire
from digest.core.wire.urls import checked_urls
from digest.errors import DigestError
from digest.ports import Clock, FeedStateStore, Fetcher, StoryStore

logger = Logger(child=True)

FETCHED, NOT_MODIFIED, NOT_DUE, FAILED, SKIPPED = "fetched", "not-modified", "not-due", "failed", "skipped"
# A run that starts a little early (schedule jitter) still polls a source that is due.
SLACK = timedelta(minutes=2)
MAX_BODY_BYTES = 100_000


@dataclass(frozen=True)
class IngestLimits:
    """How long a run may start sources (seconds from its start) and how many fetch at once.

    The ingest function runs for at most 300 s; each fetch has its own deadline (10 s), so a
    source started at the end of the budget still finishes, with its stores, well before.
    """

    seconds: float = 240.0
    workers: int = 8


@dataclass
class SourceOutcome:
    source: str
    outcome: str
    seen: int = 0
    new: int = 0
    updated: int = 0
    detail: str = ""


@dataclass
class IngestReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(o.new + o.updated for o in self.outcomes)

    @property
    def seen(self) -> int:
        return sum(o.seen for o in self.outcomes)


Parse = Callable[[bytes, Source, datetime], ParseResult]


@dataclass(frozen=True)
class _Ports:
    fetcher: Fetcher
    stories: StoryStore
    feed_state: FeedStateStore
    clock: Clock
    parse: Parse


def ingest(
    sources: list[Source],
    *,
    fetcher: Fetcher,
    stories: StoryStore,
    feed_state: FeedStateStore,
    clock: Clock,
    parse: Parse = parse_wire,
    force: bool = False,
    limits: IngestLimits = IngestLimits(),
    monotonic: Callable[[], float] = time.monotonic,
) -> IngestReport:
    """Poll every enabled source that is due (``force`` polls all) and store what changed.

    Sources run concurrently (``limits.workers`` at a time); none starts once ``limits.seconds``
    have passed since the run began (``monotonic``): those are recorded as skipped. The report
    keeps the sources' order whatever order they finished in.
    """
    ports = _Ports(fetcher, stories, feed_state, clock, parse)
    enabled = [source for source in sources if source.enabled]
    deadline = monotonic() + limits.seconds

    def run(source: Source) -> IngestReport:
        if monotonic() >= deadline:
            detail = f"not started: the run's time budget of {limits.seconds:g} s was used up"
            return IngestReport(
                [SourceOutcome(source.key, SKIPPED, detail=detail)], [Problem(source.key, "time", detail)]
            )
        return _isolated(source, ports, force)

    if limits.workers <= 1 or len(enabled) <= 1:
        parts = [run(source) for source in enabled]
    else:
        with ThreadPoolExecutor(max_workers=min(limits.workers, len(enabled)), thread_name_prefix="ingest") as pool:
            parts = list(pool.map(run, enabled))
    report = IngestReport()
    for part in parts:
        report.outcomes += part.outcomes
        report.problems += part.problems
        report.withdrawn += part.withdrawn
    return report


def _isolated(source: Source, ports: _Ports, force: bool) -> IngestReport:
    """One source's run; whatever goes wrong in it is that source's problem, never the run's."""
    report = IngestReport()
    try:
        outcome = _ingest_source(source, ports, force, report)
    except DigestError as exc:
        outcome = SourceOutcome(source.key, FAILED, detail=f"{type(exc).__name__}: {exc}")
        report.problems.append(Problem(source.key, "store", outcome.detail[:500]))
    except Exception as exc:  # noqa: BLE001 - any failure of one source is recorded, the run goes on
        outcome = SourceOutcome(source.key, FAILED, detail=f"{type(exc).__name__}: {exc}")
        report.problems.append(Problem(source.key, "error", outcome.detail[:500]))
        logger.exception("source failed", extra={"source": source.key})
    report.outcomes.append(outcome)
    logger.info("source polled", extra={k: v for k, v in vars(outcome).items()})
    return report


def _ingest_source(source: Source, ports: _Ports, force: bool, report: IngestReport) -> SourceOutcome:
    now = ports.clock.now()
    state = ports.feed_state.get(source.key) or FeedState(source.key)
    if not force and state.fetched_at and now - state.fetched_at < timedelta(minutes=source.interval_minutes) - SLACK:
        return SourceOutcome(source.key, NOT_DUE)
    fetched = ports.fetcher.fetch(source.url, state.etag, state.last_modified)
    if fetched.status == 304:
        ports.feed_state.put(FeedState(source.key, state.etag, state.last_modified, now))
        return SourceOutcome(source.key, NOT_MODIFIED)
    if fetched.error or fetched.body is None:
        detail = fetched.error or f"HTTP {fetched.status} with no body"
        report.problems.append(Problem(source.key, "fetch", detail))
        return SourceOutcome(source.key, FAILED, detail=detail)
    parsed = checked_urls(ports.parse(fetched.body, source, now))
    report.problems.extend(parsed.problems)
    outcome = SourceOutcome(source.key, FETCHED, seen=len(parsed.stories))
    for story in parsed.stories:
        story = with_reading(_capped(story, report))  # read once here, not at every edition build
        result = ports.stories.save(story)
        outcome.new += result == NEW
        outcome.updated += result == UPDATED
        if result != SAME and story.status == CANCELED:
            report.withdrawn.append(story.story_id)
    ports.feed_state.put(FeedState(source.key, fetched.etag, fetched.last_modified, now))
    return outcome


def cap_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, at a word boundary when there is one
    in the last tenth, with an ellipsis; unchanged when it fits.

    Examples
    --------
    >>> cap_text("Quake hits Lima overnight", 16)
    'Quake hits…'
    >>> cap_text("short", 16)
    'short'
    """
    if len(text.encode("utf-8")) <= limit:
        return text
    cut = text.encode("utf-8")[: max(limit - 3, 0)].decode("utf-8", errors="ignore")  # 3 bytes: the ellipsis
    space = cut.rfind(" ")
    if space >= len(cut) * 0.9 or (space > 0 and len(cut) < 100):
        cut = cut[:space]
    return cut.rstrip() + "…"


def _capped(story: Story, report: IngestReport) -> Story:
    size = len(story.body.encode("utf-8"))
    if size <= MAX_BODY_BYTES:
        return story
    report.problems.append(
        Problem(story.source, "size", f"story {story.story_id} body has {size:,} bytes; cut to {MAX_BODY_BYTES:,}")
    )
    return replace(story, body=cap_text(story.body, MAX_BODY_BYTES))
