"""digest.core.publish and the archive/confirm/reminder templates: feeds parse, pages escape."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import jinja2
import pytest

from digest.core.edition import Brand
from digest.core.publish import (
    ArchiveEntry,
    Chapter,
    date_label,
    duration_label,
    editions_feed,
    newest_first,
    podcast_feed,
    render_archive_index,
)
from digest.core.render import environment

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NOW = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
SITE = "https://news.example.org/digest"
PODCAST = f"{SITE}/podcast.xml"
ATOM = f"{SITE}/atom.xml"
FEEDS = {"atom": ATOM, "podcast": PODCAST}
HOSTILE = '<script>alert("x")</script> & co'
BRAND = Brand(logo_url="https://news.example.org/logo.png")


def entry(
    day: str,
    *,
    audio: bool = True,
    lead: str = "Quake strikes Lima",
    seconds: float = 245.0,
    size: int = 3_456_789,
    note: str | None = None,
    headlines: list[str] | None = None,
) -> ArchiveEntry:
    published = datetime.fromisoformat(f"{day}T06:00:00+00:00")
    return ArchiveEntry(
        date=day,
        title="Morning Digest",
        lead_headline=lead,
        headlines=[lead, "Swiss bank cuts rates", "AT&T buys Tom's shop"] if headlines is None else headlines,
        web_url=f"{SITE}/{day}/index.html",
        audio_url=f"{SITE}/{day}/edition.mp3" if audio else None,
        audio_bytes=size if audio else 0,
        audio_seconds=seconds if audio else 0.0,
        published=published,
        chapters=[Chapter(lead, 0.0, "story-1"), Chapter("Swiss bank cuts rates", 83.6, "story-2")] if audio else [],
        correction_note=note,
    )


# Given oldest first on purpose: the outputs must come out newest first.
ENTRIES = [
    entry("2026-11-26", size=1_000_000, seconds=3723.4),
    entry("2026-11-27", audio=False, note="An earlier version misnamed the bank."),
    entry("2026-11-28"),
]


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    if not (TEMPLATES / "archive.html.j2").is_file():
        pytest.skip(f"templates not found in {TEMPLATES}")
    return environment(TEMPLATES)


@pytest.fixture(scope="module")
def podcast() -> feedparser.FeedParserDict:
    return feedparser.parse(podcast_feed(ENTRIES, BRAND, SITE, PODCAST, NOW))


@pytest.fixture(scope="module")
def atom() -> feedparser.FeedParserDict:
    return feedparser.parse(editions_feed(ENTRIES, BRAND, SITE, ATOM, NOW))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Tags()
    p.feed(html)
    p.close()
    return p.tags


def hrefs(html: str) -> list[str]:
    return [a["href"] or "" for t, a in tags(html) if t in ("a", "link") and "href" in a]


# --- helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seconds, label",
    [
        (0, "0:00"),
        (5, "0:05"),
        (245, "4:05"),
        (245.4, "4:05"),
        (599.6, "10:00"),
        (3600, "1:00:00"),
        (3723, "1:02:03"),
        (-3, "0:00"),
    ],
)
def test_duration_label(seconds, label):
    assert duration_label(seconds) == label


def test_date_label():
    assert date_label("2026-11-28") == "Saturday, November 28, 2026"


def test_entry_needs_an_aware_send_time_and_an_iso_day():
    with pytest.raises(ValueError):
        ArchiveEntry("2026-11-28", "D", "L", [], SITE, None, 0, 0, datetime(2026, 11, 28, 6))
    with pytest.raises(ValueError):
        ArchiveEntry("28/11/2026", "D", "L", [], SITE, None, 0, 0, NOW)


def test_newest_first_keeps_the_latest_send_of_a_day():
    first = entry("2026-11-28")
    resent = ArchiveEntry(
        **{**first.__dict__, "published": first.published + timedelta(hours=2), "correction_note": "Fixed a name."}
    )
    assert [e.date for e in newest_first(ENTRIES)] == ["2026-11-28", "2026-11-27", "2026-11-26"]
    assert newest_first([resent, first]) == [resent] == newest_first([first, resent])


# --- podcast -------------------------------------------------------------------------------


def test_podcast_feed_parses_with_one_item_per_edition_with_audio(podcast):
    assert not podcast.bozo, podcast.get("bozo_exception")
    assert podcast.version == "rss20"
    assert [e.link for e in podcast.entries] == [f"{SITE}/2026-11-28/index.html", f"{SITE}/2026-11-26/index.html"]


def test_podcast_enclosures_and_durations(podcast):
    newest, oldest = podcast.entries
    for item, day, size, duration in (
        (newest, "2026-11-28", 3_456_789, "00:04:05"),
        (oldest, "2026-11-26", 1_000_000, "01:02:03"),
    ):
        enclosure = item.enclosures[0]
        assert enclosure["href"] == f"{SITE}/{day}/edition.mp3"
        assert enclosure["length"] == str(size)
        assert enclosure["type"] == "audio/mpeg"
        assert item.itunes_duration == duration
        assert item.title == f"{BRAND.name} \u2014 {date_label(day)}"
        assert item.published_parsed[:6] == (int(day[:4]), int(day[5:7]), int(day[8:]), 6, 0, 0)


def test_podcast_guids_are_stable_and_not_permalinks(podcast):
    guids = [e.id for e in podcast.entries]
    assert len(set(guids)) == 2 and all(g.startswith("tag:news.example.org,") for g in guids)
    assert all(e.guidislink is False for e in podcast.entries)
    again = feedparser.parse(podcast_feed(ENTRIES[::-1], BRAND, SITE, PODCAST, NOW + timedelta(days=3)))
    assert [e.id for e in again.entries] == guids


def test_podcast_description_lists_headlines_and_chapters(podcast):
    text = podcast.entries[0].summary
    for headline in ("Quake strikes Lima", "Swiss bank cuts rates", "AT&amp;T buys Tom's shop"):
        assert headline in text
    assert "00:00 Quake strikes Lima" in text and "01:24 Swiss bank cuts rates" in text


def test_podcast_channel_has_the_itunes_tags(podcast):
    feed = podcast.feed
    assert feed.title == BRAND.name and feed.link == SITE and feed.language == "en"
    assert feed.subtitle == BRAND.tagline
    assert feed.author == BRAND.name
    assert feed.publisher_detail["email"] == BRAND.contact_email
    assert feed.publisher_detail["name"] == BRAND.name
    assert [t["term"] for t in feed.tags] == ["News"]
    assert not feed.itunes_explicit  # feedparser reads "no" as None ("clean" would be False)
    assert feed.image["href"] == BRAND.logo_url
    assert feed.updated_parsed[:6] == (2026, 11, 28, 7, 30, 0)


def test_podcast_xml_carries_type_self_link_and_no_clock():
    xml = podcast_feed(ENTRIES, BRAND, SITE, PODCAST, NOW).decode("utf-8")
    assert "<itunes:type>episodic</itunes:type>" in xml
    assert "<itunes:explicit>no</itunes:explicit>" in xml
    assert f'<atom:link href="{PODCAST}" rel="self"/>' in xml
    assert "<lastBuildDate>Sat, 28 Nov 2026 07:30:00 +0000</lastBuildDate>" in xml


def test_podcast_without_audio_has_no_items_and_hostile_text_stays_text():
    assert feedparser.parse(podcast_feed([entry("2026-11-27", audio=False)], Brand(), SITE, PODCAST, NOW)).entries == []
    xml = podcast_feed([entry("2026-11-28", lead=HOSTILE + "\x00\x0b")], Brand(), SITE, PODCAST, NOW)
    assert b"<script>" not in xml and b"&lt;script&gt;" in xml
    assert not feedparser.parse(xml).bozo


def test_feeds_are_byte_identical_for_the_same_input():
    assert podcast_feed(ENTRIES, BRAND, SITE, PODCAST, NOW) == podcast_feed(list(ENTRIES), BRAND, SITE, PODCAST, NOW)
    assert editions_feed(ENTRIES, BRAND, SITE, ATOM, NOW) == editions_feed(list(ENTRIES), BRAND, SITE, ATOM, NOW)


def test_feeds_refuse_a_naive_now():
    with pytest.raises(ValueError):
        podcast_feed(ENTRIES, BRAND, SITE, PODCAST, datetime(2026, 11, 28))


# --- Atom ----------------------------------------------------------------------------------


def test_atom_feed_has_every_edition_newest_first(atom):
    assert not atom.bozo, atom.get("bozo_exception")
    assert atom.version == "atom10"
    days = ["2026-11-28", "2026-11-27", "2026-11-26"]
    assert [e.id for e in atom.entries] == [f"{SITE}/{d}/index.html" for d in days]
    assert [e.link for e in atom.entries] == [f"{SITE}/{d}/index.html" for d in days]
    assert [e.updated_parsed[:3] for e in atom.entries] == [(2026, 11, 28), (2026, 11, 27), (2026, 11, 26)]


def test_atom_feed_metadata_and_summaries(atom):
    assert atom.feed.id == ATOM and atom.feed.title == BRAND.name
    assert {link["rel"]: link["href"] for link in atom.feed.links} == {"self": ATOM, "alternate": SITE}
    assert atom.feed.updated_parsed[:6] == (2026, 11, 28, 7, 30, 0)
    corrected = atom.entries[1]
    assert "Quake strikes Lima" in corrected.summary and "Swiss bank cuts rates" in corrected.summary
    assert "Correction: An earlier version misnamed the bank." in corrected.summary
    assert "Correction" not in atom.entries[0].summary
    assert corrected.summary.count("Quake strikes Lima") == 1


# --- archive page --------------------------------------------------------------------------


def test_archive_index_lists_editions_newest_first_with_feeds(env):
    html = render_archive_index(env, ENTRIES, BRAND, FEEDS)
    parsed = tags(html)
    assert ("html", {"lang": "en"}) in parsed
    assert f"<h1>{BRAND.name} archive</h1>" in html
    alternates = {a["type"]: a["href"] for t, a in parsed if t == "link" and a.get("rel") == "alternate"}
    assert alternates == {"application/atom+xml": ATOM, "application/rss+xml": PODCAST}
    assert re.search(rf'<a href="{re.escape(PODCAST)}">Subscribe to the podcast</a>', html)
    assert re.search(rf'<a href="{re.escape(ATOM)}">Atom feed</a>', html)
    positions = [html.index(f'datetime="{d}"') for d in ("2026-11-28", "2026-11-27", "2026-11-26")]
    assert positions == sorted(positions)
    assert "<script" not in html and "@import" not in html and "fonts.googleapis" not in html


def test_archive_index_shows_audio_corrections_and_footer(env):
    html = render_archive_index(env, ENTRIES, BRAND, FEEDS)
    links = hrefs(html)
    assert f"{SITE}/2026-11-28/edition.mp3" in links and f"{SITE}/2026-11-26/edition.mp3" in links
    assert f"{SITE}/2026-11-27/edition.mp3" not in links  # the edition without audio
    assert "(MP3, 4:05, 3.5 MB)" in html and "(MP3, 1:02:03, 1.0 MB)" in html
    assert html.count(">Corrected<") == 1 and "An earlier version misnamed the bank." in html
    assert html.count("Quake strikes Lima") == 3  # lead shown once per edition, not again in the list
    assert BRAND.trial_url in links and BRAND.student_url in links
    assert f"mailto:{BRAND.contact_email}" in links
    assert "Start your free two-week trial" in html


def test_archive_index_escapes_hostile_headlines(env):
    hostile = [entry("2026-11-28", lead=HOSTILE, headlines=[HOSTILE, HOSTILE + " 2"], note=HOSTILE)]
    html = render_archive_index(env, hostile, Brand(), FEEDS)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; co" in html
    assert not [t for t, _ in tags(html) if t == "script"]


def test_archive_index_handles_no_audio_and_no_entries(env):
    html = render_archive_index(env, [entry("2026-11-27", audio=False)], Brand(), FEEDS)
    assert "Listen" not in html and "Quake strikes Lima" in html
    assert "No editions have been published yet." in render_archive_index(env, [], Brand(), FEEDS)
    with pytest.raises(ValueError):
        render_archive_index(env, [], Brand(), {"atom": ATOM})


# --- confirm and reminder emails -----------------------------------------------------------

CONFIRM = {
    "confirm_url": "https://news.example.org/digest/confirm?t=abc&x=1",
    "expires_hours": 48,
    "plan_label": "a free two-week trial",
}
REMINDER = {
    "trial_end_label": "Saturday, December 12",
    "subscribe_url": "https://news.example.org/digest/buy?a=1&b=2",
    "unsubscribe_url": "https://news.example.org/digest/unsubscribe?t=xyz",
}
HOSTILE_BRAND = Brand(name=HOSTILE, tagline=HOSTILE)


@pytest.mark.parametrize("name, values", [("confirm", CONFIRM), ("reminder", REMINDER)])
def test_email_html_structure_and_links(env, name, values):
    html = env.get_template(f"{name}.html.j2").render(brand=BRAND, **values)
    parsed = tags(html)
    assert any(t == "html" and a.get("lang") == "en" for t, a in parsed)
    tables = [a for t, a in parsed if t == "table"]
    assert tables and all(a.get("role") == "presentation" for a in tables)
    links = hrefs(html)
    assert links and all(h.startswith(("https://", "mailto:")) for h in links)
    assert "<script" not in html


def test_confirm_email_content(env):
    html = env.get_template("confirm.html.j2").render(brand=BRAND, **CONFIRM)
    text = env.get_template("confirm.txt.j2").render(brand=BRAND, **CONFIRM)
    assert "https://news.example.org/digest/confirm?t=abc&amp;x=1" in html
    assert ">Confirm my subscription</a>" in html
    for part in (html, text):
        assert "expires in 48 hours" in part and "a free two-week trial" in part
        assert "nothing happens" in part and BRAND.contact_email in part
        assert "nsubscribe" not in part
    assert CONFIRM["confirm_url"] in text.splitlines()


def test_reminder_email_content(env):
    html = env.get_template("reminder.html.j2").render(brand=BRAND, **REMINDER)
    text = env.get_template("reminder.txt.j2").render(brand=BRAND, **REMINDER)
    assert ">Keep reading</a>" in html
    assert "https://news.example.org/digest/buy?a=1&amp;b=2" in hrefs(html) or REMINDER["subscribe_url"] in hrefs(html)
    assert REMINDER["unsubscribe_url"] in hrefs(html)
    for part in (html, text):
        assert f"Your free trial of {BRAND.name} ends on Saturday, December 12" in part
    lines = text.splitlines()
    assert REMINDER["subscribe_url"] in lines and f"Unsubscribe: {REMINDER['unsubscribe_url']}" in lines


@pytest.mark.parametrize(
    "name, values",
    [
        ("confirm", {**CONFIRM, "plan_label": HOSTILE}),
        ("reminder", {**REMINDER, "trial_end_label": HOSTILE}),
    ],
)
def test_email_html_escapes_hostile_input(env, name, values):
    html = env.get_template(f"{name}.html.j2").render(brand=HOSTILE_BRAND, **values)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert not [t for t, _ in tags(html) if t == "script"]
    text = env.get_template(f"{name}.txt.j2").render(brand=HOSTILE_BRAND, **values)
    assert HOSTILE in text  # plain text is not escaped


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("site/2026-11-27/index.html", "long"),  # a past edition: CloudFront keeps it until invalidated
        ("site/2026-11-27/edition.mp3", "long"),
        ("site/2026-11-28/index.html", "short"),  # today's page may still be corrected
        ("site/2026-11-28/edition.mp3", "short"),
        ("site/2026-11-29/index.html", "short"),
        ("site/index.html", "short"),  # the archive and the feeds change with every edition
        ("site/feed.atom", "short"),
        ("site/podcast.xml", "short"),
        ("site/archive.json", "short"),
        ("editions/2026-11-27/v0001/web.html", None),  # private renderings are not served
        ("polly/2026-11-27/audio.t.mp3", None),
    ],
)
def test_each_kind_of_site_object_is_cached_as_long_as_it_stays_true(key, expected):
    from digest.core.caching import LONG, SHORT, cache_control

    assert cache_control(key, "2026-11-28") == {"long": LONG, "short": SHORT, None: None}[expected]


def test_site_paths_are_the_distributions_paths():
    from digest.core.caching import site_path

    assert site_path("site/2026-11-28/edition.mp3") == "/2026-11-28/edition.mp3"
    with pytest.raises(ValueError, match="not part of the public site"):
        site_path("editions/2026-11-28/v0001/web.html")
