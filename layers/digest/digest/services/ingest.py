"""Ingest: fetch every due source politely, parse, clean, identify and store stories.

One broken or slow source never stops the others: each source's outcome (fetched, not
modified, not due, failed with a reason) is recorded as data.

A story body is capped at ``MAX_BODY_BYTES`` of UTF-8 (DynamoDB items end at 400 KB, and a story
item also keeps its versions): a longer body is cut at a word boundary and a "size" problem says
so, so one huge story can never fail its source's every poll.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from digest.core.feeds import parse_feed
from digest.core.fetch import FeedState
from digest.core.story import CANCELED, NEW, UPDATED, ParseResult, Problem, Source, Story
from digest.errors import DigestError
from digest.ports import Clock, FeedStateStore, Fetcher, StoryStore

logger = Logger(child=True)

FETCHED, NOT_MODIFIED, NOT_DUE, FAILED = "fetched", "not-modified", "not-due", "failed"
# A run that starts a little early (schedule jitter) still polls a source that is due.
SLACK = timedelta(minutes=2)
MAX_BODY_BYTES = 100_000


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


def ingest(
    sources: list[Source],
    *,
    fetcher: Fetcher,
    stories: StoryStore,
    feed_state: FeedStateStore,
    clock: Clock,
    parse: Callable[[bytes, Source, datetime], ParseResult] = parse_feed,
    force: bool = False,
) -> IngestReport:
    """Poll every enabled source that is due (``force`` polls all) and store what changed."""
    report = IngestReport()
    for source in sources:
        if not source.enabled:
            continue
        try:
            outcome = _ingest_source(source, fetcher, stories, feed_state, clock.now(), parse, force, report)
        except DigestError as exc:
            outcome = SourceOutcome(source.key, FAILED, detail=f"{type(exc).__name__}: {exc}")
            report.problems.append(Problem(source.key, "store", outcome.detail))
        report.outcomes.append(outcome)
        logger.info("source polled", extra={k: v for k, v in vars(outcome).items()})
    return report


def _ingest_source(
    source: Source,
    fetcher: Fetcher,
    stories: StoryStore,
    feed_state: FeedStateStore,
    now: datetime,
    parse: Callable[[bytes, Source, datetime], ParseResult],
    force: bool,
    report: IngestReport,
) -> SourceOutcome:
    state = feed_state.get(source.key) or FeedState(source.key)
    if not force and state.fetched_at and now - state.fetched_at < timedelta(minutes=source.interval_minutes) - SLACK:
        return SourceOutcome(source.key, NOT_DUE)
    fetched = fetcher.fetch(source.url, state.etag, state.last_modified)
    if fetched.status == 304:
        feed_state.put(FeedState(source.key, state.etag, state.last_modified, now))
        return SourceOutcome(source.key, NOT_MODIFIED)
    if fetched.error or fetched.body is None:
        detail = fetched.error or f"HTTP {fetched.status} with no body"
        report.problems.append(Problem(source.key, "fetch", detail))
        return SourceOutcome(source.key, FAILED, detail=detail)
    parsed = parse(fetched.body, source, now)
    report.problems.extend(parsed.problems)
    outcome = SourceOutcome(source.key, FETCHED, seen=len(parsed.stories))
    for story in parsed.stories:
        story = _capped(story, report)
        result = stories.save(story)
        outcome.new += result == NEW
        outcome.updated += result == UPDATED
        if result != "same" and story.status == CANCELED:
            report.withdrawn.append(story.story_id)
    feed_state.put(FeedState(source.key, fetched.etag, fetched.last_modified, now))
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
