"""The edition date decides which news goes in, whatever the hour the edition is built.

Against the local stack (moto server over HTTP): an edition of date D holds the news of the window
that ends at D's assembly time (05:00 in New York), at each awkward wall-clock instant.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from digest.core.edition import version_key
from digest.core.schedule import edition_day
from digest.errors import FutureEdition
from digest_tools.cli import ops
from digest_tools.local.serve import LocalServer
from tests.conftest import FixedClock
from tests.integration.stories import stories_for

ZONE = "America/New_York"


@pytest.fixture
def served_at(stack, tmp_path, monkeypatch, instant):
    monkeypatch.setenv("AWS_ENDPOINT_URL", stack.endpoint)
    with LocalServer(state_file=tmp_path / "local.json", stack=stack, clock=FixedClock(instant)) as running:
        yield running


def test_serve_demo_data_gives_the_whole_sample_edition_as_a_draft_at_any_hour(served_at, instant):
    app = served_at.app
    ops._seed(app)
    day = edition_day(instant, ZONE)
    record = app.editions.latest(day.isoformat())
    assert record is not None, f"no edition for {day}"
    assert (record.status, record.reason) == ("draft", "")
    assert record.story_count == app.settings.max_stories  # the sample news fills the edition


def test_a_rebuild_of_a_past_date_holds_that_dates_news(app, instant):
    app.clock.set(instant)
    today = app.today()
    past = today - timedelta(days=3)
    for day in (past, today):
        stories_for(app, day, ZONE)
    old = app.assemble(past).record
    new = app.assemble(today).record
    assert {s[len("s-") : len("s-") + 10] for s in old.story_ids} == {past.isoformat()}
    assert {s[len("s-") : len("s-") + 10] for s in new.story_ids} == {today.isoformat()}


def test_a_future_date_is_refused_with_the_current_edition_date(app, instant):
    app.clock.set(instant)
    tomorrow = app.today() + timedelta(days=1)
    with pytest.raises(FutureEdition, match=f"{tomorrow} is in the future.*current edition is {app.today()}"):
        app.assemble(tomorrow)
    assert app.editions.latest(tomorrow.isoformat()) is None


def test_a_past_edition_uses_the_story_versions_current_then_unless_asked_for_the_newest(app):
    day = date(2026, 11, 28)
    app.clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))  # 04:00 in New York: before assembly
    stories_for(app, day, ZONE)
    first = app.stories.get(f"s-{day}-0")
    app.clock.set(datetime(2026, 11, 29, 15, 0, tzinfo=UTC))  # the next afternoon: a new version
    assert (
        app.stories.save(replace(first, version=2, title="Harbour bridge closes again", content_hash="v2")) == "updated"
    )
    app.clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))

    as_then = app.stories.between(*_window(day), as_of=_window(day)[1])
    assert {s.title for s in as_then if s.story_id == first.story_id} == {first.title}
    newest = app.stories.between(*_window(day))
    assert {s.title for s in newest if s.story_id == first.story_id} == {"Harbour bridge closes again"}

    built = app.assemble(day).record
    headlines = app.blobs.get(version_key(str(day), built.version, "email.txt")).decode()
    assert first.title in headlines and "closes again" not in headlines
    rebuilt = app.assemble(day, by_editor=True, newest=True).record
    assert "closes again" in app.blobs.get(version_key(str(day), rebuilt.version, "email.txt")).decode()


def test_a_withdrawn_story_stays_withdrawn_in_a_past_edition(app):
    day = date(2026, 11, 28)
    app.clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    stories_for(app, day, ZONE)
    first = app.stories.get(f"s-{day}-0")
    app.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    app.stories.save(replace(first, version=2, status="canceled", content_hash="killed"))
    (kept,) = [s for s in app.stories.between(*_window(day), as_of=_window(day)[1]) if s.story_id == first.story_id]
    assert kept.status == "canceled"


def _window(day: date) -> tuple[datetime, datetime]:
    from zoneinfo import ZoneInfo

    end = datetime.combine(day, time(5), ZoneInfo(ZONE)).astimezone(UTC)
    return end - timedelta(hours=24), end
