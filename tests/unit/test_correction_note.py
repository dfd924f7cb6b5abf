"""A correction no editor wrote (a withdrawal, a rebuild without a note) reads as words, stamped in
the newsroom's time zone and date, never as diff markup in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.core.diff import EditionDiff
from digest.services.assemble import _correction_note

AT = datetime(2026, 12, 2, 0, 38, tzinfo=UTC)  # still December 1 in New York


def test_a_withdrawal_says_a_story_was_removed_in_the_newsrooms_date_and_zone():
    note = _correction_note(EditionDiff(removed=["Quake kills nine in Peru"]), AT, "America/New_York")
    assert note == "Corrected December 1, 2026, 7:38 PM EST: A story was removed."


def test_any_other_change_is_said_in_words_without_diff_markup():
    note = _correction_note(EditionDiff(added=["Rates cut"]), AT, "America/New_York")
    assert note == "Corrected December 1, 2026, 7:38 PM EST: This edition was updated after it was sent."
    assert "[-" not in note and "{+" not in note and "UTC" not in note
