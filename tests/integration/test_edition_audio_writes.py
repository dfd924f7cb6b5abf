"""The edition table's narrow audio writes on DynamoDB (moto): field-level, conditional, never creating items."""

from __future__ import annotations

from dataclasses import replace

from digest.core.edition_record import EditionRecord

DAY = "2026-11-28"
DRAFT = EditionRecord(DAY, 1, "h", "draft", 8, "Morning Digest", f"{DAY}T10:00:00+00:00", story_ids=("a", "b"))


def test_each_notice_writes_only_its_own_fields(app):
    store = app.editions
    assert store.add(DRAFT)
    seen_by_mp3 = store.latest(DAY)  # read before the marks arrive
    assert store.set_audio_fields(replace(seen_by_mp3, chapters=(("story-1", 2.5), ("story-2", 61.0))), "chapters")
    assert store.set_audio_fields(
        replace(seen_by_mp3, audio_status="ready", audio_seconds=300.0, audio_bytes=9),
        "audio_status",
        "audio_seconds",
        "audio_bytes",
    )
    stored = store.latest(DAY)
    assert stored.chapters == (("story-1", 2.5), ("story-2", 61.0))  # the stale read did not erase them
    assert (stored.audio_status, stored.audio_seconds, stored.audio_bytes) == ("ready", 300.0, 9)
    assert (stored.status, stored.story_ids, stored.subject) == ("draft", ("a", "b"), "Morning Digest")


def test_an_audio_write_for_a_missing_version_creates_nothing(app):
    assert not app.editions.set_audio_fields(replace(DRAFT, version=7, audio_status="ready"), "audio_status")
    assert app.editions.get(DAY, 7) is None and app.editions.latest(DAY) is None


def test_a_narration_is_claimed_once_per_version(app):
    store = app.editions
    store.add(DRAFT)
    assert store.claim_audio(DRAFT)
    assert not store.claim_audio(DRAFT)  # a retried invocation
    assert store.latest(DAY).audio_status == "starting"
    assert store.set_audio_fields(replace(DRAFT, audio_status="pending"), "audio_status", if_status="starting")
    assert not store.claim_audio(DRAFT)
    store.set_audio_fields(replace(DRAFT, audio_status="failed"), "audio_status")  # Polly's task failed
    assert store.claim_audio(DRAFT)  # a new attempt may start
    assert not store.claim_audio(replace(DRAFT, version=2))  # no such version: nothing claimed, nothing created
    assert store.get(DAY, 2) is None


def test_a_pending_write_never_overwrites_a_quicker_notice(app):
    store = app.editions
    store.add(DRAFT)
    store.claim_audio(DRAFT)
    store.set_audio_fields(replace(DRAFT, audio_status="ready"), "audio_status")  # the notice came first
    assert not store.set_audio_fields(replace(DRAFT, audio_status="pending"), "audio_status", if_status="starting")
    assert store.latest(DAY).audio_status == "ready"
