"""Edition writes are narrow: audio news never overwrites a status, and status moves are conditional."""

from __future__ import annotations

from dataclasses import replace

from fakes import FakeEditionStore

from digest.core.edition_record import EditionRecord

DRAFT = EditionRecord("2026-11-28", 1, "h", "draft", 8, "Morning Digest", "2026-11-28T10:00:00+00:00")


def test_audio_ready_read_before_a_hold_does_not_lift_it():
    store = FakeEditionStore()
    store.add(DRAFT)
    seen_by_audio = store.latest("2026-11-28")  # the audio notice reads the record ...
    assert store.set_status(replace(DRAFT, status="held", reason="legal review"), expected="draft")  # ... an editor holds
    store.set_audio(replace(seen_by_audio, audio_status="ready", audio_seconds=300.0))  # ... the notice writes
    latest = store.latest("2026-11-28")
    assert (latest.status, latest.reason, latest.audio_status) == ("held", "legal review", "ready")


def test_a_status_move_from_a_stale_read_is_refused():
    store = FakeEditionStore()
    store.add(DRAFT)
    assert store.set_status(replace(DRAFT, status="held", reason="r"), expected="draft")
    assert not store.set_status(replace(DRAFT, status="sending"), expected="draft")
    assert store.latest("2026-11-28").status == "held"
