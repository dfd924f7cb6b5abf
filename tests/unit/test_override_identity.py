"""Editor overrides follow the story the editor named, whatever cluster holds it now."""

from __future__ import annotations

import json

from digest.core.overrides import Overrides, StoryEdit

# The cluster of the Lima quake: the AP report was alone at 05:00 (cluster id "ap-3"); at 05:40
# an AFP report with a lower id ("afp-1") joins, and the cluster's id becomes "afp-1".
BEFORE = {"ap-3": ["ap-3"], "rt-9": ["rt-9"]}
AFTER = {"afp-1": ["afp-1", "ap-3"], "rt-9": ["rt-9"]}


def test_an_edit_applies_to_the_cluster_that_holds_its_story_after_a_lower_id_joins():
    stored = Overrides().with_edit("ap-3", headline="Quake toll rises to 11", position=2).with_edit("rt-9", drop=True)
    assert stored.for_clusters(BEFORE).edits["ap-3"].headline == "Quake toll rises to 11"
    after = stored.for_clusters(AFTER)
    assert after.edits["afp-1"] == StoryEdit(headline="Quake toll rises to 11", position=2)
    assert after.dropped == {"rt-9"} and "ap-3" not in after.edits


def test_overrides_stored_under_cluster_ids_keep_applying():
    # What was stored before edits were kept by story: the cluster id of the time as the key.
    legacy = json.dumps({"ap-3": {"headline": "Quake toll rises to 11", "summary": None, "pin": True, "drop": False}})
    after = Overrides.from_json(legacy).for_clusters(AFTER)
    assert after.edits["afp-1"].headline == "Quake toll rises to 11" and after.pinned == {"afp-1"}


def test_edits_of_two_stories_now_in_one_cluster_are_merged():
    stored = (
        Overrides()
        .with_edit("ap-3", headline="Old headline", summary="Kept summary.", pin=True)
        .with_edit("afp-1", headline="Newer headline")  # made after the AFP report joined
    )
    merged = stored.for_clusters(AFTER).edits["afp-1"]
    assert merged == StoryEdit(headline="Newer headline", summary="Kept summary.", pin=True)


def test_an_edit_whose_story_left_the_window_is_kept_but_applies_to_nothing():
    stored = Overrides().with_edit("ap-3", headline="Quake toll rises to 11")
    assert stored.for_clusters({"rt-9": ["rt-9"]}).edits == {}
    assert json.loads(stored.to_json())["ap-3"]["headline"] == "Quake toll rises to 11"


def test_an_edit_keeps_the_edition_title():
    titled = Overrides(title="Special edition").with_edit("ap-3", pin=True)
    assert titled.title == "Special edition" and titled.for_clusters(AFTER).title == "Special edition"
