"""Publishing outputs of the archive: podcast RSS, Atom feed of editions, and the archive index page.

Pure: no clock (``now`` is passed in), no I/O. The same input always gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

import jinja2
from feedgen.feed import FeedGenerator

from digest.core.edition import Brand, date_label

AUDIO_TYPE = "audio/mpeg"
# Characters XML 1.0 forbids; lxml refuses them, so they are dropped from feed text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Chapter:
    """A point in the audio where a story starts; ``anchor`` is the story's id on the web page."""

    title: str
    start_seconds: float
    anchor: str


@dataclass(frozen=True)
class ArchiveEntry:
    """One sent edition as the archive, the feeds and the podcast show it.

    ``headlines`` are the edition's headlines in order; a copy of ``lead_headline`` among them
    is ignored, so the lead is shown once whether or not it is included.
    """

    date: str
    title: str
    lead_headline: str
    headlines: list[str]
    web_url: str
    audio_url: str | None
    audio_bytes: int
    audio_seconds: float
    published: datetime
    chapters: list[Chapter] = field(default_factory=list)
    correction_note: str | None = None

    def __post_init__(self) -> None:
        date.fromisoformat(self.date)  # ValueError unless YYYY-MM-DD
        if self.published.tzinfo is None or self.published.utcoffset() is None:
            raise ValueError(f"published must be timezone-aware: {self.published!r}")


def duration_label(seconds: float) -> str:
    """Human duration, rounded to the second: ``m:ss`` under an hour, else ``h:mm:ss``.

    Examples
    --------
    >>> duration_label(245), duration_label(3723.4), duration_label(0)
    ('4:05', '1:02:03', '0:00')
    """
    h, m, s = _hms(seconds)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def newest_first(entries: list[ArchiveEntry]) -> list[ArchiveEntry]:
    """Entries newest edition first; of two entries for one day only the later-published is kept.

    Examples
    --------
    >>> from datetime import timezone
    >>> t = datetime(2026, 11, 28, 6, tzinfo=timezone.utc)
    >>> e = [ArchiveEntry(d, "D", "L", [], "https://x/" + d, None, 0, 0, t)
    ...      for d in ("2026-11-27", "2026-11-28")]
    >>> [x.date for x in newest_first(e)]
    ['2026-11-28', '2026-11-27']
    """
    latest: dict[str, ArchiveEntry] = {}
    for e in entries:
        if e.date not in latest or e.published > latest[e.date].published:
            latest[e.date] = e
    return sorted(latest.values(), key=lambda e: e.date, reverse=True)


def podcast_feed(entries: list[ArchiveEntry], brand: Brand, site_url: str, feed_url: str, now: datetime) -> bytes:
    """Podcast RSS 2.0 (iTunes tags) with one episode per edition that has audio, newest first.

    Examples
    --------
    >>> from datetime import timezone
    >>> t = datetime(2026, 11, 28, 6, tzinfo=timezone.utc)
    >>> e = ArchiveEntry("2026-11-28", "D", "Quake", [], "https://x/a", "https://x/a.mp3", 1234, 245.0, t)
    >>> xml = podcast_feed([e], Brand(), "https://x", "https://x/podcast.xml", t)
    >>> b'length="1234"' in xml and b"<itunes:duration>00:04:05</itunes:duration>" in xml
    True
    """
    fg = _channel(brand, site_url, feed_url, now)
    fg.load_extension("podcast")
    fg.description(_xml(brand.tagline) or brand.name)
    fg.podcast.itunes_author(_xml(brand.name))
    fg.podcast.itunes_owner(name=_xml(brand.name), email=brand.contact_email)
    fg.podcast.itunes_category("News")
    fg.podcast.itunes_explicit("no")
    fg.podcast.itunes_type("episodic")
    if brand.logo_url:
        fg.image(url=brand.logo_url, title=_xml(brand.name), link=site_url)
        fg.podcast.itunes_image(brand.logo_url)  # feedgen keeps only .jpg/.png, as Apple requires
    for e in (e for e in newest_first(entries) if e.audio_url):
        item = fg.add_entry(order="append")
        item.title(_xml(f"{brand.name} \u2014 {date_label(e.date)}"))
        item.guid(_guid(e, site_url), permalink=False)
        item.link(href=e.web_url, rel="alternate")
        item.description(_notes(e))
        item.enclosure(e.audio_url, str(max(0, e.audio_bytes)), AUDIO_TYPE)
        item.pubDate(e.published)
        if e.audio_seconds > 0:
            item.podcast.itunes_duration("{:02d}:{:02d}:{:02d}".format(*_hms(e.audio_seconds)))
        item.podcast.itunes_episode_type("full")
    rss: bytes = fg.rss_str(pretty=True)
    return rss


def editions_feed(entries: list[ArchiveEntry], brand: Brand, site_url: str, feed_url: str, now: datetime) -> bytes:
    """Atom feed of every edition, newest first; entry id and link are the edition's web URL.

    Examples
    --------
    >>> from datetime import timezone
    >>> t = datetime(2026, 11, 28, 6, tzinfo=timezone.utc)
    >>> e = ArchiveEntry("2026-11-28", "Digest", "Quake", [], "https://x/a", None, 0, 0, t)
    >>> b"<id>https://x/a</id>" in editions_feed([e], Brand(), "https://x", "https://x/atom.xml", t)
    True
    """
    fg = _channel(brand, site_url, feed_url, now)
    fg.id(feed_url)
    fg.author(name=_xml(brand.name), email=brand.contact_email)
    fg.subtitle(_xml(brand.tagline) or None)
    fg.logo(brand.logo_url)
    for e in newest_first(entries):
        item = fg.add_entry(order="append")
        item.id(e.web_url)
        item.title(_xml(f"{e.title} \u2014 {date_label(e.date)}"))
        # One link only: feedgen 1.0.0 drops rel/type from entry links, so any second one
        # (say the MP3 as rel="enclosure") would come out as a duplicate alternate.
        item.link(href=e.web_url, rel="alternate")
        item.updated(e.published)
        item.published(e.published)
        note = [f"\nCorrection: {e.correction_note}"] if e.correction_note else []
        item.summary(_xml("\n".join([*_headlines(e), *note])))
    atom: bytes = fg.atom_str(pretty=True)
    return atom


def render_archive_index(
    env: jinja2.Environment, entries: list[ArchiveEntry], brand: Brand, feed_urls: dict[str, str]
) -> str:
    """Render ``archive.html.j2``: the public list of editions, newest first.

    ``feed_urls`` needs the keys ``"atom"`` and ``"podcast"``.

    Examples
    --------
    >>> loader = jinja2.DictLoader({"archive.html.j2": "{{ entries|length }} {{ feed_urls.atom }}"})
    >>> render_archive_index(jinja2.Environment(loader=loader), [], Brand(), {"atom": "a", "podcast": "p"})
    '0 a'
    """
    missing = {"atom", "podcast"} - feed_urls.keys()
    if missing:
        raise ValueError(f"feed_urls lacks {sorted(missing)}")
    return env.get_template("archive.html.j2").render(entries=newest_first(entries), brand=brand, feed_urls=feed_urls)


def _hms(seconds: float) -> tuple[int, int, int]:
    h, rest = divmod(int(max(0.0, seconds) + 0.5), 3600)  # half up, like Jinja's round
    return (h, *divmod(rest, 60))


def _headlines(entry: ArchiveEntry) -> list[str]:
    return [entry.lead_headline, *(h for h in entry.headlines if h != entry.lead_headline)]


def _guid(entry: ArchiveEntry, site_url: str) -> str:
    """Stable tag URI (RFC 4151), unchanged if the audio file moves: ``tag:host,day:/path/edition``."""
    parts = urlsplit(site_url)
    return f"tag:{parts.hostname or 'localhost'},{entry.date}:{parts.path.rstrip('/')}/edition"


def _notes(entry: ArchiveEntry) -> str:
    """Plain-text episode notes: headlines, chapter list (``mm:ss title``), correction, web link."""
    lines = ["In this edition:", *(f"- {h}" for h in _headlines(entry))]
    if entry.chapters:
        chapters = sorted(entry.chapters, key=lambda c: c.start_seconds)
        lines += ["", "Chapters:", *(f"{duration_label(c.start_seconds).zfill(5)} {c.title}" for c in chapters)]
    if entry.correction_note:
        lines += ["", f"Correction: {entry.correction_note}"]
    return _xml("\n".join([*lines, "", f"Read it online: {entry.web_url}"]))


def _channel(brand: Brand, site_url: str, feed_url: str, now: datetime) -> FeedGenerator:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    fg = FeedGenerator()
    fg.title(_xml(brand.name))
    fg.link(href=feed_url, rel="self")
    fg.link(href=site_url, rel="alternate")  # last: feedgen makes the last link the RSS <link>
    fg.language("en")
    fg.lastBuildDate(now)  # also atom:updated; feedgen would otherwise use the clock
    return fg


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)
