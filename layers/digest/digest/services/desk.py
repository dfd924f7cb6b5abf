"""What the editor's desk reads from an edition's stored versions: its stories and the ids it knows.

The rules themselves are pure (``digest.core.desk``); here they meet the stores.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from digest.core import desk, lifecycle
from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.overrides import Overrides
from digest.ports import BlobStore, EditionStore
from digest.services.assemble import overrides_key
from digest.services.refusals import BadRequest, Refused

if TYPE_CHECKING:
    from digest.services.editor import EditorPorts

TEXT_FIELDS = frozenset({"headline", "summary"})
MAX_TITLE = 150


def overrides_of(blobs: BlobStore, day: str) -> Overrides:
    """The editor's overrides of ``day`` (none when nothing was edited)."""
    return Overrides.from_json(blobs.get(overrides_key(day)))


def save_overrides(blobs: BlobStore, day: str, overrides: Overrides) -> None:
    blobs.put(overrides_key(day), overrides.to_json().encode("utf-8"), "application/json")


def snapshot(blobs: BlobStore, day: str, version: int) -> dict[str, Any] | None:
    """A version's ``edition.json`` as plain data, read defensively (None when missing or unreadable)."""
    data = blobs.get(version_key(day, version, "edition.json"))
    try:
        loaded = json.loads(data) if data else None
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


def seen(editions: EditionStore, blobs: BlobStore, day: str) -> dict[str, str]:
    """Every story id any version of the edition has had, with its latest headline."""
    ids: dict[str, str] = {}
    for record in editions.versions(day):
        data = snapshot(blobs, day, record.version) or {}
        for story in [data.get("lead"), *data.get("stories", [])]:
            if isinstance(story, dict) and story.get("cluster_id"):
                for sid in (story["cluster_id"], *(story.get("story_ids") or [])):
                    ids[str(sid)] = str(story.get("headline", ""))
    return ids


def known(editions: EditionStore, blobs: BlobStore, day: str, story: str) -> tuple[bool, list[str]]:
    """Whether ``story`` is one the edition has (had, or the editor edited), else the closest ids."""
    ids = set(seen(editions, blobs, day)) | set(overrides_of(blobs, day).edits)
    return (True, []) if story in ids else (False, desk.closest(story, ids))


def stories(editions: EditionStore, blobs: BlobStore, latest: EditionRecord) -> dict[str, Any]:
    """The stories of the latest version (ids, headlines, agencies, state, sources, notes), then the dropped."""
    day = latest.edition_date
    overrides = overrides_of(blobs, day)
    return {
        "edition_date": day,
        "version": latest.version,
        "status": latest.status,
        "title": overrides.title,
        "stories": desk.story_rows(snapshot(blobs, day, latest.version), overrides.edits, seen(editions, blobs, day)),
    }


def approval_after(blobs: BlobStore, day: str, version: int, edited: list[str] | None) -> tuple[bool, list[str]]:
    """Whether the approval of the version before ``version`` carries over (see ``core.desk.approval_kept``).

    ``edited`` is the stories whose wording alone the editor changed; None for any other edit.
    """
    diff = blobs.get(version_key(day, version, "diff.json"))
    kept, needs = desk.approval_kept(json.loads(diff) if diff else None, edited or [])
    if edited is None:
        return False, needs or ["the edition's stories or their order changed"]
    return kept, needs


def keep_places(overrides: Overrides, snap: dict[str, Any] | None, story: str, to: int) -> Overrides:
    """``overrides`` with the other stories placed by an editor given their places once ``story`` is
    at ``to`` (see ``core.desk.shifted_by_move``), so the edition is rebuilt in the order the editor saw."""
    rows = [r for r in desk.story_rows(snap, {}, {}) if r["position"]]
    owner = {m: str(r["id"]) for r in rows for m in (r["id"], *r["story_ids"])}
    moved = owner.get(story, story)
    placed = {k: e.position for k, e in overrides.edits.items() if e.position and k in owner and owner[k] != moved}
    clusters = {owner[k]: p for k, p in sorted(placed.items(), reverse=True)}  # the lowest id's place wins
    shifted = desk.shifted_by_move([str(r["id"]) for r in rows], clusters, moved, to)
    for key in placed:
        if owner[key] in shifted:
            overrides = overrides.with_edit(key, position=shifted[owner[key]])
    return overrides


class UnknownStory(Refused):
    """A story id the edition does not have; ``suggestions`` are the closest ids it has."""

    def __init__(self, message: str, suggestions: list[str]) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class StoryEdits:
    """The editor's changes to stories and to the edition's title (part of ``services.editor.Editor``,
    whose module documents the approval and correction rules applied here)."""

    p: EditorPorts
    _latest: Callable[[str], EditionRecord]
    _audit: Callable[..., None]
    _move_record: Callable[..., EditionRecord]
    rebuild: Callable[..., dict[str, Any]]

    def edit_story(
        self,
        day: str,
        cluster_id: str,
        actor: str,
        *,
        correction: bool = False,
        note: str | None = None,
        **changes: Any,
    ) -> dict[str, Any]:
        """Change one story (headline, summary, pin, drop, position; ``False`` undoes pin and drop) and
        rebuild. An unknown story is refused with the closest ids; a sent edition needs ``note``."""
        latest = self._latest(day)
        self._noted(latest, actor, note, "story edit")
        self._known(day, cluster_id, actor)
        try:
            overrides = overrides_of(self.p.blobs, day).with_edit(cluster_id, **changes)
        except (ValueError, TypeError) as exc:
            self._audit(day, actor, "story edit", latest.version, "refused", str(exc)[:300])
            raise BadRequest(str(exc)) from exc
        if isinstance(changes.get("position"), int):
            overrides = keep_places(
                overrides, snapshot(self.p.blobs, day, latest.version), cluster_id, changes["position"]
            )
        save_overrides(self.p.blobs, day, overrides)
        self._audit(day, actor, "story edit", latest.version, "ok", json.dumps({"story": cluster_id, **changes})[:900])
        text_only = set(changes) <= TEXT_FIELDS
        return self._approval(latest, self.rebuild(day, actor, note), actor, [cluster_id] if text_only else None)

    def set_title(self, day: str, actor: str, title: str, note: str | None = None) -> dict[str, Any]:
        """Set the edition's title (the email's subject and the top of the edition; empty: none) and rebuild."""
        latest = self._latest(day)
        self._noted(latest, actor, note, "title")
        title = " ".join(title.split())
        if len(title) > MAX_TITLE:
            raise BadRequest(f"the title is {len(title)} characters long: at most {MAX_TITLE}")
        save_overrides(self.p.blobs, day, replace(overrides_of(self.p.blobs, day), title=title or None))
        self._audit(day, actor, "title", latest.version, "ok", title[:300])
        return self._approval(latest, self.rebuild(day, actor, note), actor, [])

    def _approval(
        self, before: EditionRecord, result: dict[str, Any], actor: str, edited: list[str] | None
    ) -> dict[str, Any]:
        """Keep an approval the new version's changes do not touch, or say what needs a new one."""
        if before.status != lifecycle.APPROVED or not result["created"] or result["status"] != lifecycle.DRAFT:
            return result
        day, version = before.edition_date, result["version"]
        kept, needs = approval_after(self.p.blobs, day, version, edited)
        new = self.p.editions.get(day, version)
        if kept and new is not None:
            self._move_record(new, actor, lifecycle.APPROVE, "kept: the change was wording only")
            return {**result, "status": lifecycle.APPROVED, "approval": "kept: the change was wording only"}
        return {**result, "approval": "needed: " + "; ".join(needs) + " (run `digest approve`)"}

    def _known(self, day: str, story: str, actor: str) -> None:
        """Refuse (and record as refused) a story id no version of the edition has had."""
        found, near = known(self.p.editions, self.p.blobs, day, story)
        if found:
            return
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        detail = f"no story {story[:60]!r} in the edition of {day}{hint} (`digest stories {day}` lists them)"
        self._audit(day, actor, "story edit", self._latest(day).version, "refused", detail)
        raise UnknownStory(detail, near)

    def _noted(self, latest: EditionRecord, actor: str, note: Any, action: str) -> None:
        """A change to a sent edition is a correction: refused (and recorded) without the editor's note."""
        if latest.status not in (lifecycle.SENT, lifecycle.SENDING):
            return
        why = desk.needs_note(note if isinstance(note, str) else None)
        if why:
            self._audit(latest.edition_date, actor, action, latest.version, "refused", why)
            raise BadRequest(why)
