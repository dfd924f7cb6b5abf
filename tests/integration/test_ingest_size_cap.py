"""A story body too big for a DynamoDB item (400 KB) is cut at ingest, with a problem noted, so its
source keeps working (the story table on moto, which enforces the item size like DynamoDB)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.core.fetch import Fetched
from digest.core.story import ParseResult, Source, Story
from digest.services import ingest as ingest_module
from digest.services.ingest import FETCHED, MAX_BODY_BYTES, cap_text, ingest

SOURCE = Source("ap", "Associated Press", "the Associated Press", "https://feeds.example.org/ap.xml")
PUBLISHED = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


class OneFeed:
    def fetch(self, url, etag=None, last_modified=None) -> Fetched:
        return Fetched(url, 200, b"<rss/>")


def story(n: int, body: str) -> Story:
    return Story(
        f"ap-{n}",
        "ap",
        "Associated Press",
        "the Associated Press",
        f"guid-{n}",
        f"Story {n}",
        body,
        f"https://example.org/{n}",
        PUBLISHED,
        f"hash-{n}",
    )


HUGE = "Quake hits Lima. " * 30_000 + "Ünïcödé tail " * 1_000  # ~520 KB of UTF-8


def parse(stories):
    return lambda body, source, now: ParseResult(stories=list(stories))


def run(app, stories):
    return ingest(
        [SOURCE],
        fetcher=OneFeed(),
        stories=app.stories,
        feed_state=app.feed_state,
        clock=app.clock,
        parse=parse(stories),
        force=True,
    )


def test_a_huge_story_is_stored_cut_and_its_source_keeps_working(app):
    report = run(app, [story(1, HUGE), story(2, "A normal story.")])
    (outcome,) = report.outcomes
    assert (outcome.outcome, outcome.new) == (FETCHED, 2)
    stored = app.stories.get("ap-1")
    assert len(stored.body.encode("utf-8")) <= MAX_BODY_BYTES and stored.body.endswith("…")
    assert HUGE.startswith(stored.body[:-1].rstrip())
    (problem,) = report.problems
    assert (problem.source, problem.kind) == ("ap", "size") and "cut to 100,000" in problem.detail
    again = run(app, [story(1, HUGE)])  # the next poll: the same cut, nothing new
    assert again.outcomes[0].new == 0 and again.outcomes[0].updated == 0


def test_without_the_cap_the_source_fails_on_every_poll(app, monkeypatch):
    monkeypatch.setattr(ingest_module, "MAX_BODY_BYTES", 10 * MAX_BODY_BYTES)
    report = run(app, [story(1, HUGE), story(2, "A normal story.")])
    assert report.outcomes[0].outcome == "failed"  # what the cap prevents


@pytest.mark.parametrize("text, limit", [("é" * 100, 51), ("word " * 50, 40), ("x" * 500, 100), ("", 5)])
def test_cap_text_fits_the_limit_in_bytes_and_keeps_utf8_whole(text, limit):
    cut = cap_text(text, limit)
    assert len(cut.encode("utf-8")) <= limit
    cut.encode("utf-8").decode("utf-8")
    assert cut == text or (cut.endswith("…") and text.startswith(cut[:-1]))
