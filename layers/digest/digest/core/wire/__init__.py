"""Wire formats beyond RSS/Atom: JSON Feed, IPTC ninjs and NewsML-G2, and sniffing which is which.

``parse_wire`` is the entry point for every source: it takes the declared format (or sniffs one)
and returns stories plus problems, like ``parse_feed`` (which it calls for RSS and Atom). It never
raises on bad input. XML goes through defusedxml first: entity declarations are refused in any
XML, DOCTYPEs in NewsML-G2 (RSS 0.91 documents carry one).
The formats themselves are read by ``jsonfeeds`` and ``newsml``, on ``common``.
"""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from typing import Any
from xml.sax import SAXException

from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser
from feedparser.encodings import convert_to_utf8

from digest.core.feeds import parse_feed
from digest.core.story import ParseResult, Source
from digest.core.wire.common import add_problem
from digest.core.wire.jsonfeeds import json_kind, load_json, parse_json
from digest.core.wire.newsml import NAR, XHTML, parse_newsml
from digest.core.wire.urls import checked_urls

__all__ = ["DECLARED", "NAR", "XHTML", "detect_format", "parse_wire"]

DECLARED = ("auto", "rss", "atom", "feed", "jsonfeed", "ninjs", "newsml")
_SPACE = b" \t\r\n\xef\xbb\xbf\xfe\xff"  # whitespace and byte-order marks
_PROLOG = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*", re.S)
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")


def detect_format(data: bytes, declared: str = "auto") -> str:
    """The parser ``data`` needs: "jsonfeed", "ninjs", "newsml", "feed" (RSS/Atom) or "json".

    A declared format wins ("rss" and "atom" mean "feed"); "auto" or an unknown value sniffs.
    "json" is JSON that is not a known wire format, or that cannot be read at all.

    Examples
    --------
    >>> detect_format(b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "auto")
    'jsonfeed'
    >>> detect_format(b'{"uri": "urn:x:1", "headlines": [{"value": "Hi"}]}', "auto")
    'ninjs'
    >>> detect_format(b'<rss version="2.0"><channel/></rss>', "auto"), detect_format(b"{}", "newsml")
    ('feed', 'newsml')
    """
    return _detect(data, declared)[0]


def parse_wire(data: bytes, source: Source, now: datetime) -> ParseResult:
    """Read fetched bytes in any supported wire format into stories plus problems.

    Examples
    --------
    >>> from datetime import timezone
    >>> src = Source("x", "Example Wire", "Example Wire", "https://x", format="ninjs")
    >>> now = datetime(2026, 11, 28, 10, tzinfo=timezone.utc)
    >>> r = parse_wire(b'{"uri": "x-1", "headline": "Hi", "body_text": "Text.", "urgency": 3, '
    ...                b'"versioncreated": "2026-11-28T09:00:00Z"}', src, now)
    >>> [(s.title, s.body, s.urgency, s.published.hour) for s in r.stories], r.problems
    ([('Hi', 'Text.', 3, 9)], [])
    """
    result = ParseResult()
    declared = (source.format or "auto").strip().lower()
    if declared not in DECLARED:
        add_problem(result.problems, source, "unknown-format", f"unknown format {source.format!r}, sniffing")
    try:
        if not data.replace(b"\x00", b"").strip(_SPACE):
            add_problem(result.problems, source, "empty", "no content")
            return result
        kind, doc = _detect(data, declared)
        if kind == "feed" and _declares_entities(data):
            add_problem(result.problems, source, "unsafe-xml", "ENTITY declarations are refused")
        elif kind == "feed":
            parsed = parse_feed(data, source, now)
            result.stories, result.problems = parsed.stories, result.problems + parsed.problems
        elif kind == "newsml":
            parse_newsml(data, source, now, result)
        else:  # "jsonfeed", "ninjs" or "json"
            parse_json(kind, doc, source, now, result)
    except Exception as exc:  # noqa: BLE001 - the last guard of "never raises"; a bug, kept as data
        add_problem(result.problems, source, "internal-error", f"{type(exc).__name__}: {exc}")
    return checked_urls(result)


def _declares_entities(data: bytes) -> bool:
    """True when an RSS/Atom document declares an entity. defusedxml's expat reader goes through
    the bytes as they are (expat reads UTF-8, UTF-16 and Latin-1 itself) and, when it cannot read
    them, through the document as feedparser will (converted to UTF-8 by feedparser's own encoding
    rules: an EBCDIC document is checked too). A document neither reading accepts is left to
    feedparser's loose parser, which expands no declared entity.

    Examples
    --------
    >>> _declares_entities(b'<!DOCTYPE r [<!ENTITY a "aaaa">]><rss>&a;</rss>'), _declares_entities(b"<rss/>")
    (True, False)
    """
    for document in (data, convert_to_utf8({}, data, {})):
        reader = create_parser(forbid_external=False)  # an entity declaration raises; a DOCTYPE (RSS 0.91's) does not
        try:
            reader.parse(BytesIO(document))
        except DefusedXmlException:
            return True
        except (SAXException, ValueError, LookupError):
            continue
        return False
    return False


def _detect(data: bytes, declared: str) -> tuple[str, Any]:
    declared = (declared or "auto").strip().lower()
    if declared in ("rss", "atom", "feed", "newsml"):
        return ("newsml" if declared == "newsml" else "feed"), None
    if declared in ("jsonfeed", "ninjs"):
        return declared, load_json(data)
    head = data[:65536].replace(b"\x00", b"").lstrip(_SPACE)  # NULs: UTF-16/32 sniffed as ASCII
    if head[:1] in (b"{", b"["):
        doc = load_json(data)
        return json_kind(doc), doc
    prolog = _PROLOG.match(head)  # matches at least the empty string
    root = _ROOT.match(head, prolog.end() if prolog else 0)
    newsml = root and root.group(1).split(b":")[-1] in (b"newsMessage", b"newsItem") and NAR.encode() in head
    return ("newsml" if newsml else "feed"), None
