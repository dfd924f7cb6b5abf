"""Editor overrides (headline, summary, order, pin, drop), kept across rebuilds and applied on every build.

An edit is stored under the id of the story the editor named (the id ``digest status`` shows for
the story), never under a cluster's id: a cluster's id is its smallest member story id, which
changes when a report with a lower id joins. On every build :meth:`Overrides.for_clusters`
finds the cluster that now holds each edited story. Overrides stored under cluster ids need no
rewriting: a cluster id is the id of one of its stories, so an old key reads as a story id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from digest.core.edition import Edition, preheader

_EDITION = "_edition"  # key of the edition-wide overrides in the stored JSON (never a story id)


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
    title: str | None = None  # the editor's title of the edition: the email's subject and the top of the edition

    @property
    def pinned(self) -> frozenset[str]:
        return frozenset(k for k, e in self.edits.items() if e.pin)

    @property
    def dropped(self) -> frozenset[str]:
        return frozenset(k for k, e in self.edits.items() if e.drop)

    def with_edit(self, story_id: str, **changes: object) -> Overrides:
        """A copy with ``changes`` merged into the edit of ``story_id`` (the story the editor named:
        the edit follows that story into whichever cluster holds it).

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
        current = self.edits.get(story_id, StoryEdit())
        fields: dict[str, Any] = dict(changes)  # checked above
        return replace(self, edits={**self.edits, story_id: replace(current, **fields)})

    def for_clusters(self, members: Mapping[str, Iterable[str]]) -> Overrides:
        """These overrides keyed by the ids of the clusters that now hold the edited stories.

        ``members`` maps each cluster id to the ids of its stories. An edit whose story is in no
        cluster is left out (kept in storage: the story may come back). When several edited
        stories are in one cluster, the edits are merged and the lower story id's text and
        position win (a later edit is made under the cluster's id of the time, and cluster ids
        only go down as reports join); a pin or a drop of any of them holds.

        Examples
        --------
        >>> stored = Overrides().with_edit("ap-3", headline="Toll rises").with_edit("afp-9", pin=True)
        >>> now = stored.for_clusters({"ap-1": ["ap-1", "ap-3"], "afp-9": ["afp-9"]})
        >>> now.edits["ap-1"].headline, sorted(now.pinned)
        ('Toll rises', ['afp-9'])
        """
        owner = {story: cluster_id for cluster_id, stories in members.items() for story in (cluster_id, *stories)}
        merged: dict[str, StoryEdit] = {}
        for story in sorted(self.edits, reverse=True):  # the lowest id comes last and wins
            cluster_id = owner.get(story)
            if cluster_id is not None:
                merged[cluster_id] = _merged(merged.get(cluster_id), self.edits[story])
        return replace(self, edits=merged)

    def to_json(self) -> str:
        data: dict[str, Any] = {k: asdict(v) for k, v in sorted(self.edits.items())}
        if self.title:
            data[_EDITION] = {"title": self.title}
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes | None) -> Overrides:
        """Read stored overrides; empty or unreadable input gives no overrides."""
        try:
            data = json.loads(text or "{}")
            title = (data.pop(_EDITION, None) or {}).get("title")
            return cls({k: StoryEdit(**v) for k, v in data.items()}, title=str(title) if title else None)
        except (ValueError, TypeError):
            return cls()


def _merged(earlier: StoryEdit | None, later: StoryEdit) -> StoryEdit:
    """``later``'s text and position over ``earlier``'s; a pin or drop of either holds."""
    if earlier is None:
        return later
    return StoryEdit(
        headline=later.headline if later.headline is not None else earlier.headline,
        summary=later.summary if later.summary is not None else earlier.summary,
        pin=earlier.pin or later.pin,
        drop=earlier.drop or later.drop,
        position=later.position if later.position is not None else earlier.position,
    )


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
    edited = replace(edition, lead=ordered[0], stories=ordered[1:], preheader=preheader(ordered))
    return replace(edited, title=overrides.title) if overrides.title else edited
