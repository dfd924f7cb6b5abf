"""digest.core.diff: what changed between two versions of an edition, matched by cluster_id."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from digest.core.diff import EditionDiff, Move, diff_editions, word_diff
from digest.core.edition import Edition, EditionStory, Link


def story(cid: str, headline: str, summary: str = "", corrected: bool = False) -> EditionStory:
    return EditionStory(
        anchor=f"story-{cid}",
        cluster_id=cid,
        headline=headline,
        summary=summary or f"{headline}. The wire reports more details.",
        agencies=["Associated Press"],
        links=[Link("Associated Press", f"https://ap.example/{cid}")],
        corrected=corrected,
    )


def edition(*stories: EditionStory, version: int = 1) -> Edition:
    return Edition(
        date="2026-11-28",
        date_label="Saturday, November 28, 2026",
        title="Morning Digest",
        lang="en",
        preheader="",
        web_url="https://news.example.org/digest/2026-11-28/index.html",
        audio_url=None,
        lead=stories[0],
        stories=list(stories[1:]),
        version=version,
    )


QUAKE = story("c-quake", "Quake kills six in Peru", "LIMA (AP) - A strong earthquake killed six people in Lima.")
RATES = story("c-rates", "Swiss central bank cuts rates")
MERGER = story("c-merger", "AT&T buys Tom's shop")
STORM = story("c-storm", "Storm closes ports in Chile")
OLD = edition(QUAKE, RATES, MERGER, STORM)


def test_no_change_is_empty():
    diff = diff_editions(OLD, replace(OLD, version=2))
    assert diff.empty
    assert diff == EditionDiff()
    assert diff.lines() == []


def test_edited_headline_is_a_headline_change_only():
    new = edition(replace(QUAKE, headline="Quake kills nine in Peru"), RATES, MERGER, STORM)
    diff = diff_editions(OLD, new)
    assert [(c.cluster_id, c.old, c.new) for c in diff.headline_changed] == [
        ("c-quake", "Quake kills six in Peru", "Quake kills nine in Peru")
    ]
    assert diff.added == diff.removed == diff.moved == diff.summary_changed == diff.corrected == []
    assert diff.lines() == ["~ headline: 'Quake kills six in Peru' -> 'Quake kills nine in Peru'"]


def test_added_and_removed():
    fire = story("c-fire", "Wildfire forces evacuations in Greece")
    diff = diff_editions(OLD, edition(QUAKE, RATES, STORM, fire))
    assert diff.added == ["Wildfire forces evacuations in Greece"]
    assert diff.removed == ["AT&T buys Tom's shop"]
    assert diff.moved == []  # STORM shifted up from 4 to 3 only because MERGER left
    assert diff.lines() == ["+ added: Wildfire forces evacuations in Greece", "- removed: AT&T buys Tom's shop"]


def test_swapping_two_stories_moves_both():
    diff = diff_editions(OLD, edition(QUAKE, MERGER, RATES, STORM))
    assert diff.moved == [
        Move("c-merger", "AT&T buys Tom's shop", 3, 2),
        Move("c-rates", "Swiss central bank cuts rates", 2, 3),
    ]
    assert diff.lines() == ["↕ moved: 'AT&T buys Tom's shop' 3 → 2", "↕ moved: 'Swiss central bank cuts rates' 2 → 3"]


def test_swapping_the_lead_with_the_last_story_leaves_the_middle_alone():
    diff = diff_editions(OLD, edition(STORM, RATES, MERGER, QUAKE))
    assert {(m.cluster_id, m.old_position, m.new_position) for m in diff.moved} == {
        ("c-storm", 4, 1),
        ("c-quake", 1, 4),
    }


def test_insertion_at_the_top_is_added_not_everything_moved():
    breaking = story("c-breaking", "Breaking: volcano erupts in Iceland")
    diff = diff_editions(OLD, edition(breaking, QUAKE, RATES, MERGER, STORM))
    assert diff.added == ["Breaking: volcano erupts in Iceland"]
    assert diff.moved == []
    assert diff.lines() == ["+ added: Breaking: volcano erupts in Iceland"]


def test_one_story_jumping_to_the_top_moves_only_that_story():
    diff = diff_editions(OLD, edition(STORM, QUAKE, RATES, MERGER))
    assert diff.moved == [Move("c-storm", "Storm closes ports in Chile", 4, 1)]


def test_moved_reports_positions_in_all_stories_and_the_new_headline():
    fire = story("c-fire", "Wildfire forces evacuations in Greece")
    new = edition(fire, QUAKE, replace(MERGER, headline="AT&T completes Tom's shop deal"), RATES, STORM)
    diff = diff_editions(OLD, new)
    assert diff.added == ["Wildfire forces evacuations in Greece"]
    assert [(m.headline, m.old_position, m.new_position) for m in diff.moved] == [
        ("AT&T completes Tom's shop deal", 3, 3),
        ("Swiss central bank cuts rates", 2, 4),
    ]
    assert len(diff.headline_changed) == 1


def test_summary_change_has_a_short_word_diff():
    new = edition(
        replace(QUAKE, summary="LIMA (AP) - A strong earthquake killed nine people in Lima."), RATES, MERGER, STORM
    )
    diff = diff_editions(OLD, new)
    (change,) = diff.summary_changed
    assert change.cluster_id == "c-quake"
    assert change.old == QUAKE.summary and change.new.endswith("nine people in Lima.")
    assert change.word_diff == "… strong earthquake killed [-six-] {+nine+} people in Lima."
    assert diff.headline_changed == []
    assert diff.lines() == [
        "~ summary of 'Quake kills six in Peru': … strong earthquake killed [-six-] {+nine+} people in Lima."
    ]


def test_word_diff_stays_short():
    old = " ".join(f"w{i}" for i in range(400))
    new = old.replace("w200", "changed") + " " + " ".join(f"x{i}" for i in range(200))
    text = word_diff(old, new)
    assert len(text) <= 240
    assert text.startswith("… w197 w198 w199 [-w200-] {+changed+} w201 w202 w203 …")
    assert word_diff("a  b", "a b") == "(only whitespace changed)"


def test_corrected_flag_changes():
    new = edition(QUAKE, replace(RATES, corrected=True), MERGER, STORM)
    diff = diff_editions(OLD, new)
    assert [(c.cluster_id, c.corrected) for c in diff.corrected] == [("c-rates", True)]
    assert diff.lines() == ["! corrected: 'Swiss central bank cuts rates' now marked corrected"]
    back = diff_editions(new, OLD)
    assert back.lines() == ["! corrected: 'Swiss central bank cuts rates' no longer marked corrected"]


def test_to_dict_is_json_ready():
    new = edition(STORM, replace(QUAKE, headline="Quake kills nine in Peru"), RATES)
    data = diff_editions(OLD, new).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["removed"] == ["AT&T buys Tom's shop"]
    assert data["moved"] == [
        {"cluster_id": "c-storm", "headline": "Storm closes ports in Chile", "old_position": 4, "new_position": 1}
    ]
    assert data["headline_changed"] == [
        {"cluster_id": "c-quake", "old": "Quake kills six in Peru", "new": "Quake kills nine in Peru"}
    ]
    assert set(data) == {"added", "removed", "moved", "headline_changed", "summary_changed", "corrected"}


def test_lines_are_in_a_readable_order():
    new = edition(STORM, replace(QUAKE, headline="Quake kills nine in Peru"), story("c-new", "New story"))
    lines = diff_editions(OLD, new).lines()
    assert lines == [
        "+ added: New story",
        "- removed: Swiss central bank cuts rates",
        "- removed: AT&T buys Tom's shop",
        "~ headline: 'Quake kills six in Peru' -> 'Quake kills nine in Peru'",
        "↕ moved: 'Storm closes ports in Chile' 4 → 1",
        "↕ moved: 'Quake kills nine in Peru' 1 → 2",  # of the two kept stories, both swapped places
    ]


def test_duplicate_cluster_is_a_bug():
    with pytest.raises(ValueError, match="twice"):
        diff_editions(OLD, edition(QUAKE, QUAKE))
