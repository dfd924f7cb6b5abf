"""The edition model: which stories lead the day, in what order, and where the edition lives."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from digest.core.cluster import Cluster
from digest.core.summary import summarize


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
class EditionStory:
    """One story as the edition shows it."""

    anchor: str
    cluster_id: str
    headline: str
    summary: str
    agencies: list[str]
    links: list[Link]
    corrected: bool = False


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
        """Hash of everything a reader sees, so an unchanged rebuild is recognised."""
        data = asdict(self)
        data.pop("version")
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:32]


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


def score(cluster: Cluster, now: datetime) -> float:
    """Rank of a cluster: agencies covering it count most, then size, then freshness."""
    newest = max(s.published for s in cluster.stories)
    hours_old = max(0.0, (now - newest).total_seconds() / 3600)
    return 3.0 * len(cluster.agencies) + 0.5 * len(cluster.stories) + 2.0 / (1.0 + hours_old / 6)


def plan_edition(
    day: date,
    clusters: list[Cluster],
    now: datetime,
    public_base_url: str,
    max_stories: int,
    title: str = "Morning Digest",
) -> Edition | None:
    """Pick and order the day's stories; ``None`` when there is nothing to publish.

    Examples
    --------
    >>> from datetime import timezone
    >>> plan_edition(date(2026, 11, 28), [], datetime.now(timezone.utc), "https://x", 5) is None
    True
    """
    ranked = sorted(clusters, key=lambda c: (-score(c, now), c.cluster_id))[:max_stories]
    if not ranked:
        return None
    chosen = [_edition_story(i, c) for i, c in enumerate(ranked, start=1)]
    iso = day.isoformat()
    return Edition(
        date=iso,
        date_label=f"{day:%A}, {day:%B} {day.day}, {day.year}",
        title=title,
        lang="en",
        preheader=" \u00b7 ".join(s.headline for s in chosen[:3])[:140],
        web_url=f"{public_base_url}/{iso}/index.html",
        audio_url=f"{public_base_url}/{iso}/edition.mp3",
        lead=chosen[0],
        stories=chosen[1:],
    )


def _edition_story(rank: int, cluster: Cluster) -> EditionStory:
    links = [Link(s.agency, s.url) for s in cluster.stories if s.url.startswith("https://")]
    return EditionStory(
        anchor=f"story-{rank}",
        cluster_id=cluster.cluster_id,
        headline=cluster.lead.title,
        summary=summarize(cluster.lead),
        agencies=cluster.agencies,
        links=list({link.url: link for link in links}.values()),
    )
