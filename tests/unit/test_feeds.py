"""digest.core.feeds.parse_feed: bundled samples, broken inputs and hand-written edge cases."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import digest_tools
from digest.core.feeds import MAX_TITLE, parse_feed
from digest.core.identity import canonical_url, content_hash, story_id
from digest.core.story import Source

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
SRC = Source("x", "Example Wire", "Example Wire", "https://wire.example/x.xml")
SAMPLES = Path(digest_tools.__file__).resolve().parent / "samples"

# feedparser warns about its own updated/published fallback on every parse; it is not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:To avoid breaking existing software:DeprecationWarning")

SAMPLE_FEEDS = {
    "ap.xml": Source("ap", "Associated Press", "the Associated Press", "https://wire.news.example.org/ap/top-news.xml"),
    "afp.xml": Source(
        "afp", "Agence France-Presse", "Agence France-Presse", "https://wire.news.example.org/afp/world.atom"
    ),
    "reuters.xml": Source("reuters", "Reuters", "Reuters", "https://wire.news.example.org/reuters/world.xml"),
}


def _sample(*parts: str) -> bytes:
    path = SAMPLES.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"sample {'/'.join(parts)} is not in the package (looked in {path})")
    return path.read_bytes()


def rss(items: str, channel_extra: str = "", decl: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return (
        f'{decl}<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Wire</title><link>https://wire.example/</link><description>d</description>{channel_extra}"
        f"{items}</channel></rss>"
    ).encode()


def item(
    title="Quake hits Lima",
    body="A strong quake hit Lima on Friday.",
    guid="urn:x:1",
    link="https://wire.example/quake",
    date="Fri, 27 Nov 2026 14:05:00 +0000",
    extra="",
) -> str:
    parts = []
    if title is not None:
        parts.append(f"<title>{title}</title>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if body is not None:
        parts.append(f"<description>{body}</description>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    return "<item>" + "".join(parts) + extra + "</item>"


def kinds(result) -> list[str]:
    return [p.kind for p in result.problems]


# --- the bundled sample feeds ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SAMPLE_FEEDS))
def test_sample_feed_gives_clean_stories(name):
    source = SAMPLE_FEEDS[name]
    result = parse_feed(_sample("feeds", name), source, NOW)
    assert result.stories, f"{name}: no stories"
    assert result.problems == [], f"{name}: {result.problems}"
    for s in result.stories:
        assert s.title.strip(), s
        assert s.body.strip(), s
        for leftover in ("<", "script", "alert(", "javascript:"):
            assert leftover not in s.body.lower(), f"{name}: {leftover!r} in body of {s.title!r}"
            assert leftover not in s.title.lower(), f"{name}: {leftover!r} in title {s.title!r}"
        assert s.published.tzinfo is not None and s.published.utcoffset() == timedelta(0), s.published
        assert s.url.startswith("https://"), s.url
        assert s.source == source.key and s.agency == source.agency and s.attribution == source.attribution
        assert s.story_id.startswith(f"{source.key}-")
        assert s.content_hash == content_hash(s.title, s.body)
    ids = [s.story_id for s in result.stories]
    assert len(ids) == len(set(ids)), f"{name}: duplicate story ids"


def test_reuters_sample_uses_the_full_content_encoded_body():
    data = _sample("feeds", "reuters.xml")
    if b"content:encoded" not in data:
        pytest.skip("reuters.xml has no content:encoded")
    result = parse_feed(data, SAMPLE_FEEDS["reuters.xml"], NOW)
    # content:encoded carries the full story: bodies of several sentences, not the one-line description.
    assert any(s.body.count(".") >= 2 for s in result.stories)


def test_truncated_sample_keeps_the_complete_stories():
    data = _sample("broken", "truncated.xml")
    complete = len(re.findall(rb"</(?:item|entry)>", data))
    result = parse_feed(data, SRC, NOW)
    assert "malformed" in kinds(result)
    assert complete >= 1
    assert len(result.stories) >= complete
    assert all(s.title and s.body for s in result.stories)


def test_not_a_feed_sample_gives_no_stories():
    result = parse_feed(_sample("broken", "not-a-feed.html"), SRC, NOW)
    assert result.stories == []
    assert "not-a-feed" in kinds(result)


# --- RSS and Atom basics -----------------------------------------------------------------


def test_rss_item_becomes_a_story():
    result = parse_feed(rss(item()), SRC, NOW)
    assert result.problems == []
    [s] = result.stories
    assert (s.title, s.body, s.url, s.guid) == (
        "Quake hits Lima",
        "A strong quake hit Lima on Friday.",
        "https://wire.example/quake",
        "urn:x:1",
    )
    assert s.published == datetime(2026, 11, 27, 14, 5, tzinfo=UTC)
    assert s.story_id == story_id("x", "urn:x:1", None, "", "")
    assert (s.source, s.agency, s.attribution) == ("x", "Example Wire", "Example Wire")


def test_dates_are_converted_to_utc():
    result = parse_feed(rss(item(date="Fri, 27 Nov 2026 14:05:00 +0200")), SRC, NOW)
    [s] = result.stories
    assert s.published == datetime(2026, 11, 27, 12, 5, tzinfo=UTC)
    assert s.published.utcoffset() == timedelta(0)


def test_atom_entry_becomes_a_story_and_hostile_html_is_cleaned():
    data = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        b"<id>urn:feed</id><updated>2026-11-27T14:05:00Z</updated>"
        b"<entry><id>urn:afp:1</id><title>Talks &amp; deals</title><updated>2026-11-27T14:05:00+01:00</updated>"
        b'<link rel="alternate" href="https://afp.example/1"/>'
        b'<content type="html">&lt;p&gt;Para one.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;'
        b'&lt;p onclick="alert(2)"&gt;Para two &lt;a href="javascript:alert(3)"&gt;here&lt;/a&gt;.&lt;/p&gt;</content>'
        b"</entry></feed>"
    )
    result = parse_feed(data, SRC, NOW)
    assert result.problems == []
    [s] = result.stories
    assert s.title == "Talks & deals"
    assert s.body == "Para one.\nPara two here."
    assert s.url == "https://afp.example/1"
    assert s.published == datetime(2026, 11, 27, 13, 5, tzinfo=UTC)


def test_content_encoded_wins_over_a_shorter_description():
    extra = (
        "<content:encoded><![CDATA[<p>Long body one.</p><p onclick='alert(3)'>Long body two.</p>"
        "<script>alert(4)</script>]]></content:encoded>"
    )
    [s] = parse_feed(rss(item(body="Short.", extra=extra)), SRC, NOW).stories
    assert s.body == "Long body one.\nLong body two."


def test_title_is_plain_text_and_capped():
    [s] = parse_feed(rss(item(title="&lt;b&gt;Bold&lt;/b&gt; " + "x" * 1000)), SRC, NOW).stories
    assert s.title.startswith("Bold x")
    assert len(s.title) == MAX_TITLE


# --- empty and broken inputs -------------------------------------------------------------


def test_empty_bytes():
    result = parse_feed(b"", SRC, NOW)
    assert result.stories == []
    assert len(result.problems) == 1
    assert result.problems[0].kind in {"empty", "not-a-feed"}
    assert result.problems[0].source == "x"


def test_empty_channel_is_an_empty_problem():
    result = parse_feed(rss(""), SRC, NOW)
    assert result.stories == []
    assert kinds(result) == ["empty"]


def test_malformed_html_page_is_not_a_feed():
    page = b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>503</title></head><body><p>Down&nbsp;<br></body></html>'
    result = parse_feed(page, SRC, NOW)
    assert result.stories == []
    assert kinds(result) == ["not-a-feed"]


def test_well_formed_html_page_is_not_a_feed():
    page = b'<!DOCTYPE html><html lang="en"><head><title>Service unavailable</title></head><body><p>Try later.</p></body></html>'
    result = parse_feed(page, SRC, NOW)
    assert result.stories == []
    assert kinds(result) == ["not-a-feed"]


def test_truncated_feed_keeps_complete_items_and_reports_malformed():
    whole = rss(item(guid="g1", title="First") + item(guid="g2", title="Second") + item(guid="g3", title="Third"))
    cut = whole[: whole.index(b"Third") + 20]
    result = parse_feed(cut, SRC, NOW)
    assert "malformed" in kinds(result)
    titles = [s.title for s in result.stories]
    assert titles[:2] == ["First", "Second"]


# --- missing parts of an entry -----------------------------------------------------------


def test_entry_without_id_falls_back_to_its_link():
    [s] = parse_feed(rss(item(guid=None, link="https://wire.example/a?utm_source=rss")), SRC, NOW).stories
    assert s.guid == "https://wire.example/a?utm_source=rss"
    assert s.story_id == story_id("x", None, "https://wire.example/a", "other", "text")
    assert s.story_id == story_id("x", None, canonical_url(s.url), "", "")


def test_entry_without_id_or_link_falls_back_to_a_content_hash():
    feed_a = rss(item(guid=None, link=None, title="Quake hits Lima", body="A strong quake hit."))
    feed_b = rss(item(guid=None, link=None, title="  QUAKE hits   lima ", body="a strong  quake hit. "))
    feed_c = rss(item(guid=None, link=None, title="Quake hits Lima", body="A weak quake hit."))
    [a], [b], [c] = (parse_feed(f, SRC, NOW).stories for f in (feed_a, feed_b, feed_c))
    assert a.guid == "" and a.url == ""
    assert a.story_id == story_id("x", None, None, "Quake hits Lima", "A strong quake hit.")
    assert a.story_id == b.story_id
    assert a.story_id != c.story_id


def test_entry_without_date_uses_now_and_reports_no_date():
    result = parse_feed(rss(item(date=None)), SRC, NOW)
    [s] = result.stories
    assert s.published == NOW
    assert kinds(result) == ["no-date"]
    assert "urn:x:1" in result.problems[0].detail


def test_unreadable_date_is_no_date():
    result = parse_feed(rss(item(date="sometime last week")), SRC, NOW)
    [s] = result.stories
    assert s.published == NOW
    assert kinds(result) == ["no-date"]


@pytest.mark.parametrize("missing", ["title", "body"])
@pytest.mark.parametrize("how", [None, "", "   ", "<script>alert(1)</script>"])
def test_entry_without_title_or_body_is_incomplete(missing, how):
    kwargs = {missing: how}
    result = parse_feed(rss(item(**kwargs) + item(guid="urn:x:2", title="Kept", body="Kept body.")), SRC, NOW)
    assert [s.title for s in result.stories] == ["Kept"]
    assert kinds(result) == ["incomplete"]
    assert "urn:x:1" in result.problems[0].detail


def test_incomplete_entry_without_any_id_is_named_by_position():
    result = parse_feed(rss(item(guid="g1") + item(guid=None, link=None, title=None)), SRC, NOW)
    assert kinds(result) == ["incomplete"]
    assert "entry #2" in result.problems[0].detail


# --- encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize("declared", ["us-ascii", "iso-8859-1", "no-such-encoding"])
def test_wrong_declared_encoding_does_not_raise_and_text_stays_readable(declared):
    decl = f'<?xml version="1.0" encoding="{declared}"?>'
    data = rss(item(title="Café opens in München", body="Crème brûlée — served."), decl=decl)
    result = parse_feed(data, SRC, NOW)
    [s] = result.stories
    assert s.title == "Café opens in München"
    assert s.body == "Crème brûlée — served."


@pytest.mark.parametrize("declared", ["windows-1252", "ISO-8859-1", "us-ascii"])
def test_utf8_feed_mislabelled_single_byte_stays_readable(declared):
    decl = f'<?xml version="1.0" encoding="{declared}"?>'
    data = rss(item(title="Café opens", body="Crème brûlée — served."), decl=decl)
    [s] = parse_feed(data, SRC, NOW).stories
    assert s.title == "Café opens"
    assert s.body == "Crème brûlée — served."


def test_latin1_bytes_declared_utf8_do_not_raise():
    data = rss(item(title="Caf\u00e9", body="Cr\u00e8me"), decl="").decode("utf-8").encode("latin-1")
    data = b'<?xml version="1.0" encoding="utf-8"?>' + data
    result = parse_feed(data, SRC, NOW)
    [s] = result.stories
    assert s.title == "Café" and s.body == "Crème"


# --- identity across fetches -------------------------------------------------------------


def test_duplicate_guids_with_different_content_share_a_story_id():
    result = parse_feed(
        rss(
            item(guid="urn:x:7", title="Quake hits Lima", body="First version.")
            + item(
                guid=" urn:x:7 ",
                title="Quake kills 3 in Lima",
                body="Updated version.",
                link="https://wire.example/other",
            )
        ),
        SRC,
        NOW,
    )
    a, b = result.stories
    assert a.story_id == b.story_id
    assert a.content_hash != b.content_hash


def test_same_guid_from_another_source_is_another_story():
    other = Source("y", "Other Wire", "Other Wire", "https://other.example/")
    a = parse_feed(rss(item()), SRC, NOW).stories[0]
    b = parse_feed(rss(item()), other, NOW).stories[0]
    assert a.story_id != b.story_id


# --- never raises ------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_random_bytes_never_raise(data):
    result = parse_feed(data, SRC, NOW)
    for s in result.stories:
        assert s.title and s.body
        assert s.published.utcoffset() == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
)
@example(title="", body="<![0")  # html.parser gives up on that declaration
def test_arbitrary_text_in_fields_never_raises(title, body):
    from xml.sax.saxutils import escape

    result = parse_feed(rss(item(title=escape(title), body=escape(body), date=escape(title))), SRC, NOW)
    for s in result.stories:
        assert s.title and s.body


@pytest.mark.parametrize("body", ["Quake <![0 hits Lima", "Quake <![foo[x]]> hits Lima"])
def test_a_declaration_the_html_parser_rejects_is_read_as_text(body):
    (story,) = parse_feed(rss(item(body=body.replace("<", "&lt;"))), SRC, NOW).stories
    assert story.body == body


@pytest.mark.parametrize("link", ["https://wire.example:99999/a", "https://wire.example:abc/a", "https://[broken/a"])
def test_entry_with_an_unparseable_link_does_not_raise(link):
    result = parse_feed(rss(item(guid=None, link=link) + item(guid="urn:x:2", title="Kept")), SRC, NOW)
    assert "Kept" in [s.title for s in result.stories]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"])
def test_out_of_range_date_does_not_raise(when):
    result = parse_feed(rss(item(date=when)), SRC, NOW)
    [s] = result.stories
    assert s.published.tzinfo is not None


@pytest.mark.parametrize("raw", [b"Oil\x01 fell", b"Oil&#1; fell", b"Oil\x1b fell", b"Oil\xef\xbf\xbf fell"])
def test_xml_illegal_characters_do_not_reach_story_text(raw):
    data = rss("").replace(
        b"</channel>",
        b"<item><title>" + raw + b"</title><guid>g</guid><description>Body.</description></item></channel>",
    )
    [s] = parse_feed(data, SRC, NOW).stories
    assert s.title.replace(" ", "") == "Oilfell"
