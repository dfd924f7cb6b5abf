"""Editor overrides (headline, summary, order, pin, drop), kept across rebuilds and applied on every build."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from digest.core.edition import Edition, preheader


@dataclass(frozen=True)
class StoryEdit:
    """What an editor changed about one story (a cluster). ``None`` keeps the built value."""

    headline: str | None = None
    summary: str | None = None
    pin: bool = False
    drop: bool = False
    position: int | None = None  # 1-based place in the edition


@dataclass(frozen=True)
class Overrides:
    edits: dict[str, StoryEdit] = field(default_factory=dict)

    @property
    def pinned(self) -> frozenset[str]:
        return frozenset(k for k, e in self.edits.items() if e.pin)

    @property
    def dropped(self) -> frozenset[str]:
        return frozenset(k for k, e in self.edits.items() if e.drop)

    def with_edit(self, cluster_id: str, **changes: object) -> Overrides:
        """A copy with ``changes`` merged into the edit of ``cluster_id``.

        Examples
        --------
        >>> Overrides().with_edit("c1", headline="New").with_edit("c1", pin=True).edits["c1"]
        StoryEdit(headline='New', summary=None, pin=True, drop=False, position=None)
        """
        unknown = set(changes) - set(StoryEdit.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown story fields: {', '.join(sorted(unknown))}")
        for name, value in changes.items():
            kind = {"headline": str, "summary": str, "pin": bool, "drop": bool, "position": int}[name]
            too_small = isinstance(value, int) and kind is int and value < 1
            if value is not None and (type(value) is not kind or too_small):
                raise ValueError(f"{name} must be {'a whole number >= 1' if kind is int else kind.__name__}")
        current = self.edits.get(cluster_id, StoryEdit())
        fields: dict[str, Any] = dict(changes)  # checked above
        return Overrides({**self.edits, cluster_id: replace(current, **fields)})

    def to_json(self) -> str:
        return json.dumps({k: asdict(v) for k, v in sorted(self.edits.items())}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes | None) -> Overrides:
        """Read stored overrides; empty or unreadable input gives no overrides."""
        try:
            data = json.loads(text or "{}")
            return cls({k: StoryEdit(**v) for k, v in data.items()})
        except (ValueError, TypeError):
            return cls()


def apply_overrides(edition: Edition, overrides: Overrides) -> Edition:
    """The edition with edited headlines and summaries and the editor's order.

    Dropped and pinned stories are handled before (by leaving dropped clusters out and passing
    ``pinned`` to ``plan_edition``); here only text and position change. Anchors are renumbered.

    Examples
    --------
    >>> from digest.core.edition import EditionStory
    >>> s = lambda c: EditionStory(f"story-{c}", c, f"H{c}", "S", ["AP"], [])
    >>> e = Edition("2026-11-28", "d", "t", "en", "p", "https://x", None, s("1"), [s("2"), s("3")])
    >>> out = apply_overrides(e, Overrides().with_edit("3", position=1, headline="Moved up"))
    >>> [(x.anchor, x.headline) for x in out.all_stories]
    [('story-1', 'Moved up'), ('story-2', 'H1'), ('story-3', 'H2')]
    """
    stories = []
    for story in edition.all_stories:
        edit = overrides.edits.get(story.cluster_id)
        if edit is not None and (edit.headline or edit.summary):
            story = replace(story, headline=edit.headline or story.headline, summary=edit.summary or story.summary)
        stories.append(story)
    placed = [s for s in stories if overrides.edits.get(s.cluster_id, StoryEdit()).position]
    ordered = [s for s in stories if s not in placed]
    for story in sorted(placed, key=lambda s: overrides.edits[s.cluster_id].position or 0):
        ordered.insert(min(len(ordered), max(0, (overrides.edits[story.cluster_id].position or 1) - 1)), story)
    ordered = [
        s if s.anchor == f"story-{i}" else replace(s, anchor=f"story-{i}") for i, s in enumerate(ordered, start=1)
    ]
    return replace(edition, lead=ordered[0], stories=ordered[1:], preheader=preheader(ordered))
