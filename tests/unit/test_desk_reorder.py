"""Moving stories at the desk: each move gives the order the editor saw, however many stories an
editor placed before (two stories stored at one place would land in an order nobody chose)."""

from __future__ import annotations

import pytest

from digest.core.desk import shifted_by_move
from digest.services.assemble import overrides_key
from tests.unit.test_editor_desk import DAY, Newsroom


@pytest.fixture
def room() -> Newsroom:
    room = Newsroom()
    room.rebuild(DAY, None)
    return room


def order(room: Newsroom) -> list[str]:
    return [r["id"] for r in room.editor.stories(DAY)["stories"] if r["position"]]


def test_moving_to_a_place_another_moved_story_holds_puts_it_there(room):
    assert order(room) == ["ap-3f2a", "afp-91c0", "reuters-77d1"]
    room.editor.edit_story(DAY, "reuters-77d1", "ed", position=1)
    assert order(room) == ["reuters-77d1", "ap-3f2a", "afp-91c0"]
    room.editor.edit_story(DAY, "afp-91c0", "ed", position=1)
    assert order(room) == ["afp-91c0", "reuters-77d1", "ap-3f2a"]
    room.editor.edit_story(DAY, "ap-3f2a", "ed", position=2)  # up one, as the keyboard moves it
    assert order(room) == ["afp-91c0", "ap-3f2a", "reuters-77d1"]
    stored = room.blobs.get(overrides_key(DAY)).decode()
    assert '"reuters-77d1": {"drop": false, "headline": null, "pin": false, "position": 3' in stored


def test_moving_down_past_a_placed_story_shifts_it_up():
    assert shifted_by_move(["a", "b", "c", "d"], {"b": 2}, "a", 3) == {"b": 1}
    assert shifted_by_move(["a", "b", "c"], {"c": 3}, "a", 9) == {"c": 2}  # beyond the end: last
    assert shifted_by_move(["a", "b"], {"gone": 1}, "b", 1) == {}  # a story no longer in the edition
