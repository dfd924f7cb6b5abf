"""The edition model: the stories of the day as the edition shows them, its labels, and where it lives."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Brand:
    """The newsroom's identity and the links its footers carry."""

    name: str = "Morning Digest"
    tagline: str = "The day's wire news, before your coffee"
    contact_email: str = "editors@news.example.org"
    trial_url: str = "https://news.example.org/digest/subscribe"
    student_url: str = "https://news.example.org/digest/students"
    share_url: str = "https://news.example.org/digest/share"
    logo_url: str | None = None
    accent_color: str = "#b3261e"
    text_color: str = "#1c1b1f"
    background_color: str = "#ffffff"


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class SentenceSource:
    """Where one summary sentence came from, so an editor can check it in one step."""

    sentence: str  # the sentence as the summary prints it
    story_id: str  # the report it came from
    index: int  # its position among that report's sentences (0 = the lead)
    agency: str  # the agency credited


@dataclass(frozen=True)
class EditionStory:
    """One story as the edition shows it.

    ``sources`` trace each summary sentence to its report; ``notes`` are for the editor only
    (figure conflicts, a headline that contradicts the summary, a summary too short, ...).
    Both round-trip through JSON: dicts given for ``sources`` become :class:`SentenceSource`.

    >>> s = EditionStory("story-1", "c", "H", "S.", [], [], sources=[{"sentence": "S.", "story_id": "a", "index": 0, "agency": "AP"}])
    >>> s.sources[0].index
    0
    """

    anchor: str
    cluster_id: str
    headline: str
    summary: str
    agencies: list[str]
    links: list[Link]
    corrected: bool = False
    story_ids: list[str] = field(default_factory=list)
    sources: list[SentenceSource] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for the editor, never shown to readers

    def __post_init__(self) -> None:
        if any(isinstance(s, dict) for s in self.sources):  # read back from edition JSON
            sources = [SentenceSource(**s) if isinstance(s, dict) else s for s in self.sources]
            object.__setattr__(self, "sources", sources)


@dataclass(frozen=True)
class Edition:
    """A built edition: the view model every template renders."""

    date: str
    date_label: str
    title: str
    lang: str
    preheader: str
    web_url: str
    audio_url: str | None
    lead: EditionStory
    stories: list[EditionStory] = field(default_factory=list)
    correction_note: str | None = None
    version: int = 0

    @property
    def all_stories(self) -> list[EditionStory]:
        return [self.lead, *self.stories]

    def content_hash(self) -> str:
        """Hash of everything a reader sees, so an unchanged rebuild is recognised (the editor's
        notes and the sentence sources are not shown to readers, so they are left out; neither
        is the version number). Text fields are hashed as they are, separated by control characters;
        the edition's own fields in order, then each story's (``SHOWN_FIELDS``).

        >>> from dataclasses import replace
        >>> lead = EditionStory("story-1", "c1", "H", "S", ["AP"], [Link("AP", "https://a")])
        >>> e = Edition("2026-11-28", "d", "t", "en", "p", "https://x", None, lead)
        >>> e.content_hash() == replace(e, version=3, lead=replace(lead, notes=["n"])).content_hash()
        True
        >>> e.content_hash() == replace(e, lead=replace(lead, summary="S2")).content_hash()
        False
        """
        shown = [v for k, v in vars(self).items() if k not in ("lead", "stories", "version")]
        hashed = hashlib.sha256("\x1f".join(map(str, shown)).encode())
        for s in self.all_stories:  # each encoded alone: one non-ASCII story slows only its own
            links = "\x1d".join(f"{link.label}\x1c{link.url}" for link in s.links)
            fields = (s.anchor, s.cluster_id, s.headline, s.summary, "\x1d".join(s.agencies), links, str(s.corrected))
            hashed.update(("\x1e" + "\x1f".join(fields) + "\x1f" + "\x1d".join(s.story_ids)).encode())
        return hashed.hexdigest()[:32]


# The edition story's fields readers see: the content hash reads them, rendering makes them XML-safe
# (a test holds this to the dataclass's fields).
SHOWN_FIELDS = ("anchor", "cluster_id", "headline", "summary", "agencies", "links", "corrected", "story_ids")


def edition_dict(edition: Edition) -> dict[str, Any]:
    """``dataclasses.asdict(edition)`` without its deep copies (the edition is frozen; the dict
    is only read, by ``json.dumps``).

    Examples
    --------
    >>> from dataclasses import asdict
    >>> lead = EditionStory("story-1", "c1", "H", "S", ["AP"], [Link("AP", "https://a")])
    >>> e = Edition("2026-11-28", "d", "t", "en", "p", "https://x", None, lead, [lead])
    >>> edition_dict(e) == asdict(e)
    True
    """
    data = dict(vars(edition))
    data["lead"] = _story_dict(edition.lead)
    data["stories"] = [_story_dict(story) for story in edition.stories]
    return data


def _story_dict(story: EditionStory) -> dict[str, Any]:
    data = dict(vars(story))
    data["links"] = [dict(vars(link)) for link in story.links]
    data["sources"] = [dict(vars(source)) for source in story.sources]
    data["notes"] = list(story.notes)
    return data


def date_label(day: str) -> str:
    """Long date of an ISO day, as editions write it.

    Examples
    --------
    >>> date_label("2026-11-28")
    'Saturday, November 28, 2026'
    """
    d = date.fromisoformat(day)
    return f"{d:%A}, {d:%B} {d.day}, {d.year}"


def preheader(stories: list[EditionStory]) -> str:
    """The inbox preview line: the first three headlines.

    Examples
    --------
    >>> preheader([EditionStory("story-1", "c", "Quake", "S", [], []), EditionStory("story-2", "d", "Vote", "S", [], [])])
    'Quake \u00b7 Vote'
    """
    return " \u00b7 ".join(s.headline for s in stories[:3])[:140]


def site_key(day: str, name: str) -> str:
    """S3 key of a public file of the edition (the web site is the bucket's ``site/`` prefix).

    Examples
    --------
    >>> site_key("2026-11-28", "edition.mp3")
    'site/2026-11-28/edition.mp3'
    """
    return f"site/{day}/{name}"


def version_key(day: str, version: int, name: str) -> str:
    """S3 key of a private rendering of one edition version.

    Examples
    --------
    >>> version_key("2026-11-28", 2, "email.html")
    'editions/2026-11-28/v0002/email.html'
    """
    return f"editions/{day}/v{version:04d}/{name}"
