"""The editor's desk: an edition's stories as an editor addresses them, and the rules of an edit.

Pure: the edition snapshots, overrides and diffs are passed in; the time of a correction too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

CORRECTION_TEMPLATE = "An earlier version of this story misstated ..."
# Lifecycle actions as the commands that take them ("finish" is the sender's, never an editor's).
_COMMANDS = {"build": "rebuild", "correct": "story edit --note", "finish": ""}
# Diff parts an approval still covers: wording only. Everything else changes what was approved.
_TEXT_ONLY = ("headline_changed", "summary_changed")


def next_commands(actions: Iterable[str]) -> list[str]:
    """The commands an editor can run next, for lifecycle actions.

    Examples
    --------
    >>> next_commands(["build", "approve", "hold", "finish"])
    ['rebuild', 'approve', 'hold']
    """
    return [c for c in (_COMMANDS.get(str(a), str(a)) for a in actions) if c]


def story_rows(
    snapshot: dict[str, Any] | None, edits: dict[str, Any], headlines: dict[str, str]
) -> list[dict[str, Any]]:
    """One row per story of an edition snapshot (``edition.json``), then the stories dropped from it.

    ``edits`` maps a story id (a cluster's or one of its members') to its editor's edit (an object with ``pin``, ``drop``, ``headline``,
    ``summary``, ``position``); ``headlines`` names stories seen in earlier versions. Fields other
    builds add to a story (``sources``, ``notes``) are passed on when present.

    Examples
    --------
    >>> from types import SimpleNamespace as E
    >>> snap = {"lead": {"cluster_id": "ap-1", "headline": "Quake", "agencies": ["AP"]}, "stories": []}
    >>> edit = E(pin=True, drop=False, headline=None, summary=None, position=None)
    >>> [(r["id"], r["state"], r["position"]) for r in story_rows(snap, {"ap-1": edit}, {})]
    [('ap-1', 'pinned', 1)]
    """
    rows: list[dict[str, Any]] = []
    stories = [snapshot.get("lead"), *snapshot.get("stories", [])] if snapshot else []
    for position, story in enumerate((s for s in stories if isinstance(s, dict)), start=1):
        sid, members = str(story.get("cluster_id", "")), [str(m) for m in story.get("story_ids") or []]
        edit = next((edits[k] for k in (sid, *members) if k in edits), None)
        rows.append(
            {
                "id": sid,
                "position": position,
                "headline": str(story.get("headline", "")),
                "summary": str(story.get("summary", "")),
                "agencies": list(story.get("agencies") or []),
                "state": "pinned" if edit is not None and edit.pin else "in edition",
                "edited": [f for f in ("headline", "summary", "position") if edit is not None and getattr(edit, f)],
                "corrected": bool(story.get("corrected")),
                "story_ids": members,
                "sources": list(story.get("sources") or []),
                "notes": list(story.get("notes") or []),
            }
        )
    shown = {i for r in rows for i in (r["id"], *r["story_ids"])}
    for sid, edit in sorted(edits.items()):
        if edit.drop and sid not in shown:
            rows.append(
                {"id": sid, "position": None, "headline": headlines.get(sid, ""), "agencies": [], "state": "dropped"}
                | {"edited": [], "corrected": False, "story_ids": [], "sources": [], "notes": []}
            )
    return rows


def shifted_by_move(order: list[str], placed: dict[str, int], story: str, to: int) -> dict[str, int]:
    """The new stored positions of the other placed stories when ``story`` moves to place ``to``.

    ``order`` is the edition's stories (cluster ids, top first) and ``placed`` the ones with a
    stored position. The edition is rebuilt with each placed story inserted at its position, so
    two stories stored at one place land in an order the editor never chose: every placed story
    the move shifts is given its new place, and the order becomes the one the editor saw, with
    ``story`` taken out and put at ``to``.

    Examples
    --------
    >>> shifted_by_move(["c", "a", "b"], {"c": 1}, "b", 1)  # c was moved to the top before
    {'c': 2}
    >>> shifted_by_move(["a", "b", "c", "d"], {"a": 1, "d": 4}, "b", 3)
    {}
    """
    now = [s for s in order if s != story]
    now.insert(min(max(to, 1), len(now) + 1) - 1, story)
    places = {s: i for i, s in enumerate(now, start=1)}
    return {s: places[s] for s, p in placed.items() if s != story and s in places and places[s] != p}


def closest(unknown: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known story ids closest to a mistyped one (best first).

    Examples
    --------
    >>> closest("ap-3f3a", ["ap-3f2a", "afp-91c0", "reuters-77"])
    ['ap-3f2a']
    """
    return difflib.get_close_matches(unknown, sorted(set(known)), n=n, cutoff=0.5)


def approval_kept(diff: dict[str, Any] | None, edited: Iterable[str]) -> tuple[bool, list[str]]:
    """Whether an approved edition stays approved after an edit, and what needs a new approval.

    An approval covers what the edition holds and in which order. A correction of wording (the
    headline or summary of the stories the editor ``edited``, or the edition's title) keeps it; a
    story added, removed (dropped), moved (pinned, reordered) or changed by anything else needs a
    new approval.

    Examples
    --------
    >>> approval_kept({"headline_changed": [{"cluster_id": "c1"}]}, ["c1"])
    (True, [])
    >>> approval_kept({"removed": ["Rates cut"], "moved": [{"headline": "Vote", "old_position": 3, "new_position": 1}]}, [])
    (False, ['removed: Rates cut', 'moved: Vote 3 -> 1'])
    """
    diff, mine = diff or {}, set(edited)
    needs = [f"added: {h}" for h in diff.get("added") or []]
    needs += [f"removed: {h}" for h in diff.get("removed") or []]
    needs += [
        f"moved: {m.get('headline')} {m.get('old_position')} -> {m.get('new_position')}"
        for m in diff.get("moved") or []
    ]
    needs += [f"correction mark: {c.get('headline')}" for c in diff.get("corrected") or []]
    for part in _TEXT_ONLY:
        needs += [
            f"{part.split('_')[0]} of {c.get('cluster_id')} changed with the news"
            for c in diff.get(part) or []
            if c.get("cluster_id") not in mine
        ]
    return not needs, needs


def correction_note(note: str, at: datetime, zone: str) -> str:
    """The note readers see on a corrected web copy: when (the newsroom's date and time) and what.

    Examples
    --------
    >>> from datetime import timezone
    >>> correction_note("An earlier version misstated the toll.", datetime(2026, 12, 2, 0, 38, tzinfo=timezone.utc),
    ...                 "America/New_York")
    'Corrected December 1, 2026, 7:38 PM EST: An earlier version misstated the toll.'
    """
    local = at.astimezone(ZoneInfo(zone))
    when = f"{local:%B} {local.day}, {local.year}, {local.hour % 12 or 12}:{local:%M %p} {local.tzname()}"
    return f"Corrected {when}: {' '.join(note.split())}"[:600]


def needs_note(note: str | None) -> str:
    """Why a correction without a note written by the editor is refused ('' when the note is there).

    Examples
    --------
    >>> needs_note("  ")[:46]
    'the edition was sent: a change is a correction'
    >>> needs_note("An earlier version of this story misstated the toll.")
    ''
    """
    if note and note.strip():
        return ""
    return (
        "the edition was sent: a change is a correction and needs the note readers will see; "
        f"write it with --note, e.g. --note '{CORRECTION_TEMPLATE}'"
    )


def version_row(record: Any) -> dict[str, Any]:
    """One version of an edition as the status lists it.

    >>> from digest.core.edition_record import EditionRecord
    >>> version_row(EditionRecord("2026-11-28", 2, "h", "draft", 8, "Quake", "2026-11-28T10:00:00+00:00"))["stories"]
    8
    """
    return {
        "version": record.version,
        "status": record.status,
        "created_at": record.created_at,
        "stories": record.story_count,
        "subject": record.subject,
    }
