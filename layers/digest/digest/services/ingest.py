"""Ingest: fetch every enabled source, parse, clean, identify and store new stories."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_lambda_powertools import Logger

from digest.core.feeds import parse_feed
from digest.core.story import Problem, Source
from digest.ports import Clock, Fetcher, StoryStore

logger = Logger(child=True)


@dataclass
class SourceOutcome:
    source: str
    outcome: str  # fetched | not-modified | failed
    seen: int = 0
    stored: int = 0
    detail: str = ""


@dataclass
class IngestReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(o.stored for o in self.outcomes)

    @property
    def seen(self) -> int:
        return sum(o.seen for o in self.outcomes)


def ingest(sources: list[Source], fetcher: Fetcher, stories: StoryStore, clock: Clock) -> IngestReport:
    """Fetch and store every enabled source. One broken source never stops the others."""
    report = IngestReport()
    for source in sources:
        if not source.enabled:
            continue
        fetched = fetcher.fetch(source.url)
        if fetched.error or fetched.body is None:
            outcome = "not-modified" if fetched.status == 304 else "failed"
            detail = fetched.error or ""
            report.outcomes.append(SourceOutcome(source.key, outcome, detail=detail))
            if outcome == "failed":
                report.problems.append(Problem(source.key, "fetch", detail))
            logger.info("source fetched", extra={"source": source.key, "outcome": outcome, "detail": detail})
            continue
        parsed = parse_feed(fetched.body, source, clock.now())
        stored = sum(1 for story in parsed.stories if stories.add(story))
        report.outcomes.append(SourceOutcome(source.key, "fetched", len(parsed.stories), stored))
        report.problems.extend(parsed.problems)
        logger.info(
            "source ingested",
            extra={"source": source.key, "seen": len(parsed.stories), "stored": stored, "problems": len(parsed.problems)},
        )
    return report
