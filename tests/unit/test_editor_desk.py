"""The editor's desk without traps: story ids, refusals in the commands' words, undo, approval that
survives a correction of wording, correction notes written by the editor, the variant a preview shows.

The rebuild here is a small newsroom of three stories that applies the stored overrides and
stores each version's snapshot and diff the way assemble does, so the editor service reads what it
reads in production."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from digest.core import lifecycle
from digest.core.diff import diff_editions
from digest.core.edition import Edition, EditionStory, site_key, version_key
from digest.core.edition_record import EditionRecord
from digest.core.overrides import Overrides, apply_overrides
from digest.core.snapshot import edition_from_json, edition_to_json
from digest.services.assemble import overrides_key
from digest.services.editor import Editor, EditorPorts, Refused, UnknownStory
from digest.services.refusals import BadRequest
from tests.unit.fakes import FakeBlobStore, FakeClock, FakeEditionStore, FakeLedger
from tests.unit.test_actions import FakeAudit

DAY = "2026-12-01"
NOON = datetime(2026, 12, 2, 0, 38, tzinfo=UTC)  # 19:38 on Dec 1 in New York: the newsroom's date
STORIES = [
    ("ap-3f2a", "Strong quake shakes Peru", ["Associated Press", "Reuters"]),
    ("afp-91c0", "Portugal's government falls", ["Agence France-Presse"]),
    ("reuters-77d1", "Rates held", ["Reuters"]),
]


class Newsroom:
    """Rebuilds like assemble: overrides applied, dropped left out, pinned first, snapshot + diff stored."""

    def __init__(self) -> None:
        self.editions, self.blobs, self.audit = FakeEditionStore(), FakeBlobStore(), FakeAudit()
        self.sent: list = []
        self.editor = Editor(
            EditorPorts(self.editions, self.blobs, FakeLedger(), None, self.audit, FakeClock(NOON)),
            rebuild=self.rebuild,
            dispatch=lambda day: SimpleNamespace(reason="", recipients=5, messages=1, variant="email"),
            test_send=lambda day, version, people, variant: len(people),
            require_approval=True,
            zone="America/New_York",
        )

    def rebuild(self, day: str, note: str | None) -> SimpleNamespace:
        overrides = Overrides.from_json(self.blobs.get(overrides_key(day)))
        stories = [
            EditionStory("", cid, head, f"Summary of {cid}.", agencies, [], story_ids=[cid])
            for cid, head, agencies in STORIES
            if cid not in overrides.dropped
        ]
        stories.sort(key=lambda s: s.cluster_id not in overrides.pinned)
        edition = apply_overrides(
            Edition(day, "Tuesday", "Morning Digest", "en", "", "https://x", None, stories[0], stories[1:]), overrides
        )
        latest = self.editions.latest(day)
        if latest is not None and latest.content_hash == edition.content_hash():
            return SimpleNamespace(created=False, record=latest, reason="unchanged", diff=[])
        previous = (
            edition_from_json(self.blobs.get(version_key(day, latest.version, "edition.json"))) if latest else None
        )
        action = lifecycle.CORRECT if latest is not None and latest.status == lifecycle.SENT else lifecycle.BUILD
        status = lifecycle.DRAFT if latest is None else lifecycle.transition(latest.status, action)
        version = latest.version + 1 if latest else 1
        edition = replace(edition, version=version, correction_note=note)
        self.blobs.put(version_key(day, version, "edition.json"), edition_to_json(edition).encode(), "application/json")
        for variant in ("email", "email-noaudio"):
            self.blobs.put(version_key(day, version, f"{variant}.html"), variant.encode(), "text/html")
        if previous is not None:
            diff = diff_editions(previous, edition).to_dict()
            self.blobs.put(version_key(day, version, "diff.json"), json.dumps(diff).encode(), "application/json")
        record = EditionRecord(day, version, edition.content_hash(), status, len(stories), edition.title, "t")
        self.editions.add(record)
        return SimpleNamespace(created=True, record=record, reason="", diff=[])

    def refused(self) -> list:
        return [e for e in self.audit.entries if e.outcome == "refused"]


@pytest.fixture
def room() -> Newsroom:
    room = Newsroom()
    room.rebuild(DAY, None)
    return room


def test_stories_lists_ids_headlines_agencies_and_state(room):
    room.editor.edit_story(DAY, "afp-91c0", "ed", drop=True)
    reply = room.editor.stories(DAY)
    rows = {r["id"]: r for r in reply["stories"]}
    assert rows["ap-3f2a"]["headline"] == "Strong quake shakes Peru"
    assert rows["ap-3f2a"]["agencies"] == ["Associated Press", "Reuters"]
    assert (rows["ap-3f2a"]["state"], rows["ap-3f2a"]["position"]) == ("in edition", 1)
    assert rows["afp-91c0"]["state"] == "dropped" and rows["afp-91c0"]["headline"] == "Portugal's government falls"
    assert room.editor.status(DAY)["stories"] == reply["stories"]  # the status shows them too


def test_an_unknown_story_is_refused_audited_never_stored_and_the_closest_suggested(room):
    with pytest.raises(UnknownStory) as refused:
        room.editor.edit_story(DAY, "ap-3f3a", "ed", headline="Quake toll rises")
    assert refused.value.suggestions == ["ap-3f2a"] and "did you mean ap-3f2a" in str(refused.value)
    assert room.blobs.get(overrides_key(DAY)) is None
    assert [e.action for e in room.refused()] == ["story edit"]
    assert not [e for e in room.audit.entries if e.outcome == "ok"]
    assert len(room.editions.versions(DAY)) == 1


def test_an_unknown_story_is_refused_before_an_action_starts(room):
    with pytest.raises(UnknownStory):
        room.editor.precheck("story edit", DAY, {"story": "nope-1", "fields": {"drop": True}}, "ed")
    assert len(room.refused()) == 1


def test_drop_and_pin_can_be_undone(room):
    room.editor.edit_story(DAY, "afp-91c0", "ed", drop=True)
    room.editor.edit_story(DAY, "reuters-77d1", "ed", pin=True)
    assert [r["state"] for r in room.editor.stories(DAY)["stories"]] == ["pinned", "in edition", "dropped"]
    room.editor.edit_story(DAY, "afp-91c0", "ed", drop=False)
    room.editor.edit_story(DAY, "reuters-77d1", "ed", pin=False)
    rows = room.editor.stories(DAY)["stories"]
    assert [(r["id"], r["state"]) for r in rows] == [(cid, "in edition") for cid, _, _ in STORIES]


def test_the_next_actions_are_the_commands_an_editor_types(room):
    assert room.editor.status(DAY)["allowed"] == ["rebuild", "approve", "hold"]
    assert room.editor.status("2026-11-30")["allowed"] == ["rebuild"]


def test_sending_twice_is_refused_in_the_commands_words(room):
    room.editions.update(replace(room.editions.latest(DAY), status=lifecycle.SENT))
    with pytest.raises(Refused) as refused:
        room.editor.send_now(DAY, "ed")
    assert "'correct'" not in str(refused.value) and "digest story edit" in str(refused.value)
    assert [e.action for e in room.refused()] == ["send"]


def test_a_correction_of_wording_keeps_the_approval(room):
    room.editor.approve(DAY, "ed")
    result = room.editor.edit_story(DAY, "ap-3f2a", "ed", headline="Quake kills 11 in Peru")
    assert result["status"] == "approved" and result["approval"].startswith("kept")
    assert room.editions.latest(DAY).status == "approved" and room.editions.latest(DAY).version == 2


@pytest.mark.parametrize(
    ("change", "why"),
    [({"drop": True}, "removed: Portugal's government falls"), ({"pin": True}, "moved: Portugal's government falls")],
)
def test_a_drop_or_pin_needs_a_new_approval_and_says_why(room, change, why):
    room.editor.approve(DAY, "ed")
    result = room.editor.edit_story(DAY, "afp-91c0", "ed", **change)
    assert result["status"] == "draft" and why in result["approval"] and "digest approve" in result["approval"]


def test_a_title_is_stored_applied_and_keeps_the_approval(room):
    room.editor.approve(DAY, "ed")
    result = room.editor.set_title(DAY, "ed", "The day the ground shook")
    assert result["status"] == "approved"
    assert Overrides.from_json(room.blobs.get(overrides_key(DAY))).title == "The day the ground shook"
    assert room.editions.latest(DAY).subject == "The day the ground shook"  # this newsroom's subject is the title
    assert room.editor.stories(DAY)["title"] == "The day the ground shook"


def test_after_sending_an_edit_needs_the_editors_note_shown_in_the_newsrooms_zone(room):
    room.editions.update(replace(room.editions.latest(DAY), status=lifecycle.SENT))
    with pytest.raises(BadRequest, match="An earlier version of this story misstated"):
        room.editor.edit_story(DAY, "ap-3f2a", "ed", summary="Eleven died.", correction=True)
    assert room.blobs.get(overrides_key(DAY)) is None and len(room.refused()) == 1
    room.editions.update(replace(room.editions.latest(DAY), status=lifecycle.SENT))
    note = "An earlier version of this story misstated the death toll."
    room.editor.edit_story(DAY, "ap-3f2a", "ed", summary="Eleven died.", note=note)
    web = edition_from_json(room.blobs.get(version_key(DAY, 2, "edition.json")))
    assert web.correction_note == f"Corrected December 1, 2026, 7:38 PM EST: {note}"
    assert "[-" not in web.correction_note and "UTC" not in web.correction_note


def test_the_preview_is_the_variant_a_send_would_use(room):
    assert room.editor.preview(DAY) == "email-noaudio"  # no audio yet: no Listen link
    room.editions.update(replace(room.editions.latest(DAY), audio_status="ready"))
    room.blobs.put(site_key(DAY, "edition.mp3"), b"ID3", "audio/mpeg")
    assert room.editor.preview(DAY) == "email"


def test_a_test_copy_is_the_variant_a_send_would_use_now(room):
    variants = []
    room.editor._test_send = lambda day, version, people, variant: variants.append(variant) or len(people)
    assert room.editor.test_send(DAY, "ed", ["editor@news.example.org"]) == {"sent": 1}
    assert variants == ["email-noaudio"]  # no audio yet: the send would go without the Listen link


def test_unknown_outcomes_are_re_sent_only_on_the_editors_explicit_word(room):
    with pytest.raises(BadRequest, match="'keep' or 'resend'"):
        room.editor.resend_failures(DAY, "ed", unknown="yes please")
