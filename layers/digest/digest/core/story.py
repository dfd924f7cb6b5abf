"""The story: one wire report, cleaned and identified, as the rest of the system sees it."""

from __future__ import annotations

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

    def eligible(self, now: datetime) -> bool:
        """May this story appear in an edition at ``now``? (usable and past any embargo)"""
        return self.status == USABLE and (self.embargo is None or self.embargo <= now)

    @property
    def day(self) -> str:
        """The UTC day the story was published, the key of the by-day index."""
        return self.published.strftime("%Y-%m-%d")


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
