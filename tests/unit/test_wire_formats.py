"""digest.core.wire: JSON Feed, IPTC ninjs and NewsML-G2 parsing, format sniffing, bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import digest_tools
from digest.core.feeds import parse_feed
from digest.core.identity import content_hash, story_id
from digest.core.story import CANCELED, USABLE, WITHHELD, Source
from digest.core.wire import DECLARED, NAR, detect_format, parse_wire

PROPS = settings(max_examples=200, deadline=None)
SAMPLES = Path(digest_tools.__file__).resolve().parent / "samples"
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
UTC = UTC


def _src(fmt: str = "auto") -> Source:
    return Source("mw", "Meridian Wire", "Meridian Wire", "https://wire.example/feed", format=fmt)


def _read(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _kinds(result) -> list[str]:
    return [p.kind for p in result.problems]


def _ninjs(**fields) -> bytes:
    item = {
        "uri": "urn:x:1",
        "headline": "Harbour reopens",
        "body_text": "The harbour reopened.",
        "versioncreated": "2026-11-28T06:00:00Z",
        **fields,
    }
    return json.dumps({k: v for k, v in item.items() if v is not None}).encode()


def _one(data: bytes, fmt: str = "auto"):
    result = parse_wire(data, _src(fmt), NOW)
    assert len(result.stories) <= 1
    return (result.stories[0] if result.stories else None), _kinds(result)


# --- the samples ------------------------------------------------------------------------------


def _check_common(stories, source: Source) -> None:
    assert len({s.story_id for s in stories}) == len(stories), "ids are unique"
    for s in stories:
        assert s.agency == source.agency and s.attribution == source.attribution and s.source == source.key
        assert s.story_id == story_id(source.key, s.guid, s.url, s.title, s.body)
        assert s.content_hash == content_hash(s.title, s.body)
        assert s.published.tzinfo is not None and s.published.utcoffset() == timedelta(0)
        assert "<" not in s.body and "&mdash;" not in s.body and "&#" not in s.body
        assert 1 <= s.urgency <= 9 and s.version >= 1


def test_ninjs_sample_has_four_stories_with_their_wire_fields():
    result = parse_wire(_read("wire/wire-ninjs.json"), _src(), NOW)
    assert result.problems == []
    usable, embargoed, killed, corrected = result.stories
    _check_common(result.stories, _src())
    assert [s.urgency for s in result.stories] == [3, 4, 2, 5]
    assert [s.version for s in result.stories] == [1, 1, 3, 2]
    assert [s.status for s in result.stories] == [USABLE, USABLE, CANCELED, USABLE]
    assert [s.corrected for s in result.stories] == [False, False, False, True]
    assert usable.title == "Norway opens the world's longest floating road bridge to traffic"
    assert usable.url == "https://meridianwire.example/news/2026/11/28/norway-floating-bridge-opens"
    assert usable.published == datetime(2026, 11, 28, 6, 40, tzinfo=UTC)
    assert usable.body.startswith("BERGEN, Norway (Meridian) \u2014 Norway on Saturday")
    assert "trackStory" not in usable.body and usable.body.count("\n") == 3, "script dropped, 4 paragraphs"
    assert usable.eligible(NOW) and usable.embargo is None
    assert embargoed.embargo == datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # 15:00+01:00
    assert not embargoed.eligible(NOW) and embargoed.eligible(datetime(2026, 11, 28, 14, tzinfo=UTC))
    assert killed.guid.endswith("mw-0088") and not killed.eligible(NOW)
    assert "Franz Oberleitner" in corrected.body and "290-year-old" in corrected.body


def test_newsml_sample_has_three_stories_with_their_wire_fields():
    result = parse_wire(_read("wire/wire-newsml.xml"), _src(), NOW)
    assert result.problems == []
    first, embargoed, killed = result.stories
    _check_common(result.stories, _src())
    assert (first.urgency, first.status, first.version, first.embargo) == (2, USABLE, 1, None)
    assert first.guid == "urn:newsml:meridianwire.example:20261128:mw-0112"
    assert first.url == "https://meridianwire.example/news/2026/11/28/iceland-eruption-reykjanes"
    assert first.title == "Volcano erupts on Iceland's Reykjanes peninsula, airport stays open"
    assert first.published == datetime(2026, 11, 28, 5, 15, tzinfo=UTC)
    assert "wireTracker" not in first.body and "operating normally" in first.body
    assert "Volcano erupts" not in first.body, "the XHTML head/title is not body text"
    assert first.body.count("\n") == 2 and first.body.startswith("KEFLAVIK, Iceland (Meridian) \u2014 A volcano")
    assert embargoed.embargo == datetime(2026, 11, 28, 12, 0, tzinfo=UTC) and embargoed.urgency == 4
    assert not embargoed.eligible(NOW) and embargoed.url == ""
    assert embargoed.body.count("\n") == 2, "plain-text inlineData keeps its paragraphs"
    assert (killed.status, killed.version, killed.urgency) == (CANCELED, 2, 3)
    assert not any(s.corrected for s in result.stories)


def test_jsonfeed_sample_has_three_stories():
    result = parse_wire(_read("wire/wire-jsonfeed.json"), _src(), NOW)
    assert result.problems == []
    ferries, lobster, choir = result.stories
    _check_common(result.stories, _src())
    assert ferries.published == datetime(2026, 11, 28, 0, 15, tzinfo=UTC), "-04:00 converted to UTC"
    assert ".ad" not in ferries.body and "70 percent" in ferries.body
    assert lobster.body.count("\n") == 2 and '"After two days' in lobster.body
    assert choir.guid == "hns-2026-11-28-0014" and choir.title.startswith("St. John's choir")
    for s in result.stories:  # the non-standard _wire extension is ignored
        assert (s.urgency, s.version, s.status, s.embargo, s.corrected) == (5, 1, USABLE, None, False)


# --- detecting the format ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wire/wire-ninjs.json", "ninjs"),
        ("wire/wire-newsml.xml", "newsml"),
        ("wire/wire-jsonfeed.json", "jsonfeed"),
        ("feeds/ap.xml", "feed"),
        ("feeds/afp.xml", "feed"),
        ("feeds/reuters.xml", "feed"),
        ("broken/not-a-feed.html", "feed"),
        ("broken/truncated.xml", "feed"),
    ],
)
def test_detect_format_sniffs_each_format(name, expected):
    assert detect_format(_read(name), "auto") == expected


def test_detect_format_honours_a_declared_format():
    ninjs = _read("wire/wire-ninjs.json")
    assert [detect_format(ninjs, d) for d in ("rss", "atom", "jsonfeed", "newsml", "ninjs")] == [
        "feed",
        "feed",
        "jsonfeed",
        "newsml",
        "ninjs",
    ]
    assert detect_format(_read("feeds/ap.xml"), " RSS ") == "feed"
    assert detect_format(ninjs, "no-such-format") == "ninjs", "an unknown declaration sniffs"


@pytest.mark.parametrize("data", [b"{}", b"[1, 2, 3]", b'{"version": 1}', b"{not json", b'{"items": [1]}'])
def test_detect_format_calls_other_json_json(data):
    assert detect_format(data, "auto") == "json"


def test_detect_format_sees_through_utf16():
    data = _read("wire/wire-newsml.xml").decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    encoded = data.encode("utf-16")
    assert detect_format(encoded, "auto") == "newsml"
    assert len(parse_wire(encoded, _src(), NOW).stories) == 3


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("feeds/ap.xml", "rss"),
        ("feeds/afp.xml", "atom"),
        ("feeds/ap.xml", "auto"),
        ("feeds/afp.xml", "auto"),
        ("broken/truncated.xml", "auto"),
    ],
)
def test_rss_and_atom_go_to_parse_feed_unchanged(name, fmt):
    data = _read(name)
    assert parse_wire(data, _src(fmt), NOW) == parse_feed(data, _src(fmt), NOW)
    assert parse_wire(data, _src(fmt), NOW).stories


# --- bad input: problems, never exceptions ----------------------------------------------------


def test_truncated_newsml_is_malformed():
    data = _read("wire/wire-newsml.xml")
    for fmt in ("auto", "newsml"):
        result = parse_wire(data[: len(data) // 2], _src(fmt), NOW)
        assert result.stories == [] and _kinds(result) == ["malformed"]


@pytest.mark.parametrize("fmt", ["auto", "ninjs", "jsonfeed"])
def test_invalid_json_is_malformed(fmt):
    result = parse_wire(b'{"items": [{"uri": "x", "headline": ', _src(fmt), NOW)
    assert result.stories == [] and _kinds(result) == ["malformed"]


def test_json_that_is_no_wire_format_is_not_a_feed():
    for data in (b"[1, 2, 3]", b"{}", b'"hello"', b"null"):
        result = parse_wire(data, _src(), NOW)
        assert result.stories == [] and _kinds(result) == ["not-a-feed"], data
    assert _kinds(parse_wire(b"{}", _src("jsonfeed"), NOW)) == ["not-a-feed"]
    assert _kinds(parse_wire(b"[1, 2]", _src("ninjs"), NOW)) == ["malformed", "malformed"]
    assert _kinds(parse_wire(b"{}", _src("ninjs"), NOW)) == ["incomplete"]


@pytest.mark.parametrize("data", [b"", b"   \n\t ", b"\xef\xbb\xbf", b"\xff\xfe"])
@pytest.mark.parametrize("fmt", ["auto", "rss", "ninjs", "newsml"])
def test_empty_input_is_empty(data, fmt):
    result = parse_wire(data, _src(fmt), NOW)
    assert result.stories == [] and _kinds(result) == ["empty"]


def test_empty_item_lists_are_empty():
    assert _kinds(parse_wire(b'{"items": []}', _src(), NOW)) == ["empty"]
    assert _kinds(parse_wire(b"[]", _src(), NOW)) == ["empty"]
    jsonfeed = b'{"version": "https://jsonfeed.org/version/1", "items": []}'
    assert _kinds(parse_wire(jsonfeed, _src(), NOW)) == ["empty"]
    newsml = f'<newsMessage xmlns="{NAR}"><itemSet/></newsMessage>'.encode()
    assert _kinds(parse_wire(newsml, _src(), NOW)) == ["empty"]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<%s><headline>&lol4;</headline></%s>"""


@pytest.mark.parametrize("root", [b"lolz", b'newsItem xmlns="http://iptc.org/std/nar/2006-10-01/"', b"rss"])
@pytest.mark.parametrize("fmt", ["auto", "newsml", "rss"])
def test_entity_bombs_are_refused_as_unsafe(root, fmt):
    data = BOMB % (root, root.split(b" ")[0])
    result = parse_wire(data, _src(fmt), NOW)
    assert result.stories == [] and _kinds(result) == ["unsafe-xml"]
    assert _kinds(parse_wire(data.decode().encode("utf-16"), _src(fmt), NOW)) == ["unsafe-xml"]


def test_newsml_refuses_any_doctype_but_rss_091_keeps_its_dtd():
    doctype = b'<!DOCTYPE newsMessage SYSTEM "x.dtd">\n<newsMessage'
    newsml = _read("wire/wire-newsml.xml").replace(b"<newsMessage", doctype, 1)
    assert _kinds(parse_wire(newsml, _src(), NOW)) == ["unsafe-xml"]
    rss091 = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel><title>T</title>'
        b"<item><title>Hi</title><link>https://x.example/1</link><description>Text.</description></item>"
        b"</channel></rss>"
    )
    assert [s.title for s in parse_wire(rss091, _src(), NOW).stories] == ["Hi"]


def test_absurdly_deep_newsml_markup_is_incomplete_not_a_crash():
    item = (
        f'<newsItem xmlns="{NAR}" guid="g"><contentMeta><headline>H</headline></contentMeta><contentSet>'
        f'<inlineXML><html xmlns="http://www.w3.org/1999/xhtml"><body>{"<div>" * 5000}x{"</div>" * 5000}'
        "</body></html></inlineXML></contentSet></newsItem>"
    )
    result = parse_wire(item.encode(), _src(), NOW)
    assert result.stories == [] and _kinds(result) == ["incomplete"]
    assert _kinds(parse_wire(b"[" * 100_000, _src(), NOW)) == ["malformed"]


def test_an_html_page_is_not_a_feed():
    for fmt in ("auto", "rss"):
        result = parse_wire(_read("broken/not-a-feed.html"), _src(fmt), NOW)
        assert result.stories == [] and _kinds(result) == ["not-a-feed"]


def test_xml_that_is_not_newsml_declared_as_newsml_is_not_a_feed():
    assert _kinds(parse_wire(_read("feeds/ap.xml"), _src("newsml"), NOW)) == ["not-a-feed"]


def test_ninjs_item_without_headline_is_skipped_as_incomplete():
    data = json.dumps([json.loads(_ninjs(headline=None)), json.loads(_ninjs(uri="urn:x:2"))]).encode()
    result = parse_wire(data, _src(), NOW)
    assert [s.guid for s in result.stories] == ["urn:x:2"] and _kinds(result) == ["incomplete"]
    assert "urn:x:1" in result.problems[0].detail
    assert _one(_ninjs(body_text=None))[1] == ["incomplete"]


def test_unreadable_embargo_is_a_bad_date_and_withholds_the_story():
    story, kinds = _one(_ninjs(embargoed="next tuesday"))
    assert kinds == ["bad-date"] and story.embargo is None
    assert story.status == WITHHELD and not story.eligible(NOW + timedelta(days=30))


def test_dates_fall_back_and_naive_means_utc():
    story, kinds = _one(_ninjs(versioncreated="yesterday", firstcreated="2026-11-27T23:00:00"))
    assert kinds == ["bad-date"] and story.published == datetime(2026, 11, 27, 23, tzinfo=UTC)
    story, kinds = _one(_ninjs(versioncreated=None))
    assert kinds == ["no-date"] and story.published == NOW
    story, kinds = _one(_ninjs(versioncreated=20261128))
    assert kinds == ["bad-date"] and story.published == NOW
    story, kinds = _one(_ninjs(versioncreated="2026-11-28T07:30:00+05:30", embargoed="2026-11-28T12:00:00z"))
    assert kinds == [] and story.published == datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    assert story.embargo == datetime(2026, 11, 28, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("urgency", "expected", "kinds"),
    [
        (1, 1, []),
        (9, 9, []),
        ("3", 3, []),
        (4.0, 4, []),
        (None, 5, []),
        (0, 1, ["bad-urgency"]),
        (12, 9, ["bad-urgency"]),
        (-3, 1, ["bad-urgency"]),
        (10**30, 9, ["bad-urgency"]),
        ("high", 5, ["bad-urgency"]),
        (2.5, 5, ["bad-urgency"]),
        (True, 5, ["bad-urgency"]),
        ([1], 5, ["bad-urgency"]),
    ],
)
def test_urgency_is_clamped_or_defaulted(urgency, expected, kinds):
    story, found = _one(_ninjs(urgency=urgency))
    assert story.urgency == expected and found == kinds


@pytest.mark.parametrize(
    ("signal", "corrected"),
    [
        (b'<signal qcode="sig:correction"/>', True),
        (b'<signal qcode="sig:cor"/>', True),
        (b'<signal qcode="sig:update"/>', False),
        (b"<edNote>Corrects the date of the eruption.</edNote>", True),
    ],
)
def test_newsml_corrections(signal, corrected):
    usable = b'<pubStatus qcode="stat:usable"/>'
    data = _read("wire/wire-newsml.xml").replace(usable, signal + usable, 1)
    assert parse_wire(data, _src(), NOW).stories[0].corrected is corrected


def test_newsml_single_item_with_leading_whitespace():
    data = _read("wire/wire-newsml.xml").decode()
    start, end = data.index("<newsItem"), data.index("</newsItem>") + len("</newsItem>")
    item = "\n  " + data[start:end].replace("<newsItem ", f'<newsItem xmlns="{NAR}" ', 1)
    result = parse_wire(item.encode(), _src(), NOW)
    assert detect_format(item.encode(), "auto") == "newsml" and result.problems == []
    assert [s.urgency for s in result.stories] == [2]


def test_newsml_urgency_out_of_range_is_clamped():
    data = _read("wire/wire-newsml.xml").replace(b"<urgency>2</urgency>", b"<urgency>42</urgency>")
    result = parse_wire(data, _src(), NOW)
    assert result.stories[0].urgency == 9 and _kinds(result) == ["bad-urgency"]


@pytest.mark.parametrize(
    ("status", "expected", "kinds"),
    [
        ("usable", USABLE, []),
        ("withheld", WITHHELD, []),
        ("canceled", CANCELED, []),
        ("Cancelled", CANCELED, []),
        ("stat:canceled", CANCELED, []),
        ("draft", WITHHELD, ["bad-status"]),
        (7, WITHHELD, ["bad-status"]),
    ],
)
def test_pubstatus(status, expected, kinds):
    story, found = _one(_ninjs(pubstatus=status))
    assert story.status == expected and found == kinds


@pytest.mark.parametrize(
    ("fields", "corrected"),
    [
        ({"signals": [{"code": "cor"}]}, True),
        ({"signal": "correction"}, True),
        ({"signals": ["sig:cor"]}, True),
        ({"ednote": "Corrects the spelling of the mayor's name."}, True),
        ({"description_text": "CORRECTION: fixes date"}, True),
        ({"ednote": "Updates with quotes"}, False),
        ({"description_text": "Prison corrections officers strike"}, False),
        ({"description_text": "A new correctional facility opens"}, False),
        ({"signals": [{"code": "update"}]}, False),
    ],
)
def test_corrections(fields, corrected):
    assert _one(_ninjs(**fields))[0].corrected is corrected


def test_ninjs_1x_single_item_with_plain_text_body_and_links():
    story, kinds = _one(
        _ninjs(
            body_text="Profits rose <5% in Q3.\n\n  Shares   fell.",
            version="4",
            headline="Profits &amp; losses",
            located="OSLO",
            uri="https://api.example/items/7",
            links=[
                {"href": "javascript:alert(1)", "rel": "canonical"},
                {"href": "https://site.example/7", "mimetype": "text/html"},
            ],
        )
    )
    assert kinds == [] and story.body == "Profits rose <5% in Q3.\nShares fell." and story.version == 4
    assert story.title == "Profits & losses" and story.url == "https://site.example/7"
    assert _one(_ninjs(uri="https://api.example/items/7"))[0].url == "https://api.example/items/7"
    assert _one(_ninjs(uri="javascript:alert(1)"))[0].url == ""


def test_ninjs_2x_prefers_the_html_body_and_the_main_headline_list():
    bodies = [{"contenttype": "text/plain", "value": "plain"}, {"contenttype": "text/html", "value": "<p>html</p>"}]
    headlines = [{"value": ""}, {"value": "Second"}]
    story, _ = _one(_ninjs(headline=None, body_text=None, headlines=headlines, bodies=bodies))
    assert (story.title, story.body) == ("Second", "html")
    story, _ = _one(_ninjs(body_text=None, descriptions=[{"value": "Only a summary."}]))
    assert story.body == "Only a summary."


def test_jsonfeed_item_problems():
    feed = {
        "version": "https://jsonfeed.org/version/1",
        "items": [{"id": "1", "content_text": "no title"}, "not an item", {"id": 2, "title": "T", "summary": "S"}],
    }
    result = parse_wire(json.dumps(feed).encode(), _src(), NOW)
    assert _kinds(result) == ["incomplete", "malformed", "no-date"]
    assert [(s.guid, s.body) for s in result.stories] == [("2", "S")]


def test_unknown_declared_format_is_reported_and_sniffed():
    result = parse_wire(_read("wire/wire-jsonfeed.json"), _src("json-feed"), NOW)
    assert _kinds(result) == ["unknown-format"] and len(result.stories) == 3


# --- properties: nothing ever raises ----------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)
_NINJS_KEYS = [
    "uri",
    "headline",
    "headlines",
    "body_html",
    "body_text",
    "bodies",
    "versioncreated",
    "firstcreated",
    "embargoed",
    "pubstatus",
    "urgency",
    "version",
    "links",
    "signals",
    "ednote",
    "descriptions",
]
_ninjs_item = st.dictionaries(st.sampled_from(_NINJS_KEYS), _json | st.text(), max_size=12)
_prefix = st.sampled_from(
    [
        b"",
        b"<?xml version='1.0'?>",
        f"<newsItem xmlns='{NAR}'>".encode(),
        b'{"items": [',
        b"<rss><channel><item>",
        b"\xff\xfe",
        b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    ]
)


def _never_raises(data: bytes, fmt: str):
    result = parse_wire(data, _src(fmt), NOW)
    assert "internal-error" not in _kinds(result), result.problems
    for s in result.stories:
        assert s.published.utcoffset() == timedelta(0) and 1 <= s.urgency <= 9
        assert s.status in (USABLE, WITHHELD, CANCELED) and s.title and s.body
    return result


@PROPS
@given(prefix=_prefix, data=st.binary(max_size=400), fmt=st.sampled_from(DECLARED))
def test_arbitrary_bytes_never_raise(prefix, data, fmt):
    _never_raises(prefix + data, fmt)


@PROPS
@given(value=_json, fmt=st.sampled_from(["auto", "ninjs", "jsonfeed"]))
def test_arbitrary_json_never_raises(value, fmt):
    _never_raises(json.dumps(value).encode(), fmt)


@PROPS
@given(items=st.lists(_ninjs_item, max_size=4), wrap=st.booleans())
def test_ninjs_shaped_json_never_raises(items, wrap):
    _never_raises(json.dumps({"items": items} if wrap else items).encode(), "auto")


_xml_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)


@PROPS
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "itemMeta/versionCreated": _xml_text,
            "itemMeta/embargoed": _xml_text,
            "contentMeta/urgency": _xml_text,
            "contentMeta/headline": _xml_text,
            "contentSet/inlineData": _xml_text,
            "itemMeta/edNote": _xml_text,
        },
    ),
    status=_xml_text,
    version=_xml_text,
)
def test_newsml_shaped_xml_never_raises(fields, status, version):
    item = ET.Element(f"{{{NAR}}}newsItem", guid="urn:x:1", version=version)
    for path, text in fields.items():
        parent, child = path.split("/")
        holder = item.find(f"{{{NAR}}}{parent}")
        holder = ET.SubElement(item, f"{{{NAR}}}{parent}") if holder is None else holder
        ET.SubElement(holder, f"{{{NAR}}}{child}").text = text
    meta = item.find(f"{{{NAR}}}itemMeta")
    ET.SubElement(item if meta is None else meta, f"{{{NAR}}}pubStatus", qcode=status)
    _never_raises(ET.tostring(item, encoding="utf-8"), "auto")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp500"])
def test_entity_declarations_are_refused_in_every_encoding(encoding):
    """cp500 is EBCDIC: a byte pattern for "<!ENTITY" never matches it, and feedparser reads it
    (and would expand the entity). NewsML-G2 is read by expat alone, which takes no EBCDIC."""
    feed = (
        f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE rss [<!ENTITY a "boom">]><rss version="2.0">'
        "<channel><title>T</title><item><title>&a;</title><link>https://x.example/1</link>"
        "<description>Text.</description></item></channel></rss>"
    )
    assert _kinds(parse_wire(feed.encode(encoding), _src(), NOW)) == ["unsafe-xml"]
    newsml = (
        f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE newsItem [<!ENTITY a "boom">]>'
        f'<newsItem xmlns="{NAR}" guid="g"><contentMeta><headline>&a;</headline></contentMeta></newsItem>'
    )
    refused = parse_wire(newsml.encode(encoding), _src("newsml"), NOW)
    assert refused.stories == [] and _kinds(refused) == ["malformed" if encoding == "cp500" else "unsafe-xml"]
