"""The story: one wire report, cleaned and identified, as the rest of the system sees it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class Source:
    """A wire feed we poll.

    ``agency`` is the display name ("Associated Press"); ``attribution`` is how a summary names
    it in running text ("the Associated Press").
    """

    key: str
    agency: str
    attribution: str
    url: str
    format: str = "auto"
    enabled: bool = True
    interval_minutes: int = 15


class StoryStatus(StrEnum):
    """A wire story's status: usable, withheld (not yet publishable) or canceled (killed/withdrawn)."""

    USABLE = "usable"
    WITHHELD = "withheld"
    CANCELED = "canceled"


class Saved(StrEnum):
    """What storing a story did: a new id, a newer version or changed copy, or nothing."""

    NEW = "new"
    UPDATED = "updated"
    SAME = "same"


USABLE, WITHHELD, CANCELED = StoryStatus
NEW, UPDATED, SAME = Saved


@dataclass(frozen=True)
class Story:
    """A cleaned wire story. ``published`` is timezone-aware UTC; ``body`` is plain text.

    Wire fields: ``version`` (the agency's version or edition number), ``urgency`` (IPTC scale,
    1 = flash ... 9 = lowest; 5 when the format has none), ``embargo`` (not publishable before,
    UTC), ``status`` (usable, withheld or canceled, i.e. killed/withdrawn) and ``corrected``.
    ``reading`` is the body's sentences as a summary uses them, worked out when the version is
    stored (see :mod:`digest.core.reading`; "" when not read yet).
    """

    story_id: str
    source: str
    agency: str
    attribution: str
    guid: str
    title: str
    body: str
    url: str
    published: datetime
    content_hash: str
    version: int = 1
    urgency: int = 5
    embargo: datetime | None = None
    status: str = USABLE
    corrected: bool = False
    reading: str = ""

    def eligible(self, now: datetime) -> bool:
        """May this story appear in an edition at ``now``? (usable and past any embargo)"""
        return self.status == USABLE and (self.embargo is None or self.embargo <= now)

    @property
    def day(self) -> str:
        """The UTC day the story was published, the key of the by-day index."""
        return self.published.strftime("%Y-%m-%d")


def supersedes(stored: Story, incoming: Story) -> bool:
    """Should ``incoming`` replace ``stored`` (the same story id)? A newer version always does and
    an older one never; at the same version a changed copy does, except that nothing but a newer
    version undoes a withdrawal (a stale copy of a killed story must not bring it back).

    Examples
    --------
    >>> from datetime import UTC
    >>> v1 = Story("s", "w", "W", "W", "g", "T", "B.", "https://w/1", datetime(2026, 11, 28, tzinfo=UTC), "h1")
    >>> killed = Story(**{**v1.__dict__, "version": 2, "status": CANCELED, "content_hash": "h2"})
    >>> supersedes(v1, killed), supersedes(killed, v1)
    (True, False)
    >>> same_version_kill = Story(**{**v1.__dict__, "status": CANCELED})
    >>> supersedes(v1, same_version_kill), supersedes(same_version_kill, v1), supersedes(v1, v1)
    (True, False, False)
    """
    if incoming.version != stored.version:
        return incoming.version > stored.version
    if stored.status == CANCELED and incoming.status != CANCELED:
        return False
    mine = (stored.content_hash, stored.status, stored.corrected, stored.embargo)
    return mine != (incoming.content_hash, incoming.status, incoming.corrected, incoming.embargo)


def withdrawn_ids(story_ids: Iterable[str], lookup: Callable[[str], Story | None]) -> list[str]:
    """The ids among ``story_ids`` whose stored story (``lookup``) is withdrawn (canceled).

    Examples
    --------
    >>> from datetime import UTC
    >>> live = Story("a", "w", "W", "W", "g", "T", "B.", "", datetime(2026, 11, 28, tzinfo=UTC), "h")
    >>> stored = {"a": live, "b": Story(**{**live.__dict__, "story_id": "b", "status": CANCELED})}
    >>> withdrawn_ids(["a", "b", "gone"], stored.get)
    ['b']
    """
    return [i for i in story_ids if (story := lookup(i)) is not None and story.status == CANCELED]


@dataclass(frozen=True)
class Problem:
    """Something we could not read, kept as data (like feedparser's ``bozo``)."""

    source: str
    kind: str
    detail: str


@dataclass
class ParseResult:
    """What a parser could read, plus what went wrong on the way."""

    stories: list[Story] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
