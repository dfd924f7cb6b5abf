"""The story store's contract: the unit fake (tests/unit/fakes.py) and the DynamoDB adapter on the
moto server pass the same tests, so the fault schedules run on the fake prove the real rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from digest.core.reading import stored_sentences, with_reading
from digest.core.story import CANCELED, NEW, SAME, UPDATED, Story
from tests.unit.fakes import FakeStoryStore

WHEN = datetime(2026, 11, 27, 14, tzinfo=UTC)
LIVE = Story("w-1", "w", "W", "W", "w-1", "Port reopens", "It reopened.", "https://w/1", WHEN, "h1")


@pytest.fixture(params=["fake", "aws"])
def stories(request):
    return FakeStoryStore() if request.param == "fake" else request.getfixturevalue("app").stories


def test_new_then_a_newer_version_then_nothing_for_an_older_one(stories):
    v2 = replace(LIVE, version=2, title="Port reopens, ships queue", content_hash="h2")
    assert stories.save(LIVE) == NEW and stories.save(v2) == UPDATED
    assert stories.save(LIVE) == SAME and stories.save(v2) == SAME
    assert stories.get("w-1").version == 2 and stories.get("w-1").title == "Port reopens, ships queue"


def test_a_changed_copy_at_the_same_version_updates(stories):
    assert stories.save(LIVE) == NEW
    assert stories.save(replace(LIVE, body="It reopened at noon.", content_hash="h1b")) == UPDATED


def test_a_kill_is_undone_only_by_a_newer_version(stories):
    killed = replace(LIVE, title="KILL: Port reopens", content_hash="k", status=CANCELED)
    assert stories.save(LIVE) == NEW and stories.save(killed) == UPDATED
    assert stories.save(LIVE) == SAME and stories.get("w-1").status == CANCELED
    revived = replace(LIVE, version=2, content_hash="h2")
    assert stories.save(revived) == UPDATED and stories.get("w-1").status == "usable"


def test_between_finds_stories_by_publication_time(stories):
    stories.save(LIVE)
    stories.save(replace(LIVE, story_id="w-2", guid="w-2", published=WHEN + timedelta(days=2)))
    assert [s.story_id for s in stories.between(WHEN - timedelta(hours=1), WHEN + timedelta(hours=1))] == ["w-1"]
    assert stories.get("nothing") is None


def test_a_story_keeps_its_reading_and_an_earlier_copy_is_read_again(stories):
    v1 = with_reading(LIVE)
    assert stories.save(v1) == NEW and stories.get("w-1") == v1
    assert stored_sentences(stories.get("w-1"))[0].text == "It reopened."
    v2 = with_reading(replace(LIVE, version=2, body="Ships left the port at noon.", content_hash="h2"))
    assert stories.save(v2) == UPDATED
    now = stories.between(WHEN - timedelta(hours=1), WHEN + timedelta(hours=1))[0]
    assert stored_sentences(now)[0].text == "Ships left the port at noon."
    assert stories.save(replace(LIVE, story_id="w-3", guid="w-3")) == NEW  # stored before readings
    assert stories.get("w-3").reading == ""
