"""Parse fetched feed bytes into stories plus problems. Never raises on bad input."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from typing import Any

import feedparser

from digest.core.html_text import html_to_text
from digest.core.identity import content_hash, story_id
from digest.core.story import ParseResult, Problem, Source, Story

MAX_TITLE = 300
# An XML declaration's encoding, when it names one of the single-byte encodings feeds mislabel.
_DECLARED = re.compile(rb"""\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_SINGLE_BYTE = frozenset(
    ("windows-1252", "cp1252", "iso-8859-1", "iso-8859-15", "latin-1", "latin1", "us-ascii", "ascii")
)


def parse_feed(data: bytes, source: Source, now: datetime) -> ParseResult:
    """Read RSS or Atom bytes into clean stories.

    Entries that cannot be used become problems; the rest are returned. A feed that is
    malformed but readable yields both its stories and a ``malformed`` problem.

    Examples
    --------
    >>> src = Source("x", "Example Wire", "Example Wire", "https://x")
    >>> now = datetime(2026, 11, 28, tzinfo=UTC)
    >>> r = parse_feed(b"<rss><channel><item><title>Hi</title><guid>1</guid>"
    ...                b"<description>Body text.</description></item></channel></rss>", src, now)
    >>> [(s.title, s.body) for s in r.stories], [p.kind for p in r.problems]
    ([('Hi', 'Body text.')], ['no-date'])
    """
    result = ParseResult()
    parsed = feedparser.parse(_relabelled(data), sanitize_html=False, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    if parsed.get("bozo"):
        detail = f"{type(parsed.get('bozo_exception')).__name__}: {parsed.get('bozo_exception')}"
        kind = "malformed" if entries else "not-a-feed"
        result.problems.append(Problem(source.key, kind, detail[:500]))
    elif not entries and not parsed.get("version"):
        result.problems.append(Problem(source.key, "not-a-feed", "no RSS or Atom document found"))
    elif not entries:
        result.problems.append(Problem(source.key, "empty", "the feed has no entries"))
    for index, entry in enumerate(entries):
        story = _story(entry, source, now, result.problems, index)
        if story is not None:
            result.stories.append(story)
    return result


def _relabelled(data: bytes) -> bytes:
    """``data`` declared UTF-8 when it declares a single-byte encoding but is UTF-8 with non-ASCII
    text: a common feed mistake, and text really in a single-byte encoding almost never reads as
    valid multi-byte UTF-8. feedparser would decode it as declared and give mojibake ("CrÃ¨me").

    >>> _relabelled(b'<?xml version="1.0" encoding="windows-1252"?><rss>Cr\\xc3\\xa8me</rss>').split(b"?>")[0]
    b'<?xml version="1.0" encoding="utf-8"'
    >>> _relabelled(b'<?xml version="1.0" encoding="windows-1252"?><rss>Cr\\xe8me</rss>').split(b"?>")[0]
    b'<?xml version="1.0" encoding="windows-1252"'
    """
    declared = _DECLARED.match(data)
    if declared is None or declared.group(1).decode("ascii").lower() not in _SINGLE_BYTE or data.isascii():
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # what it says it is
    return data[: declared.start(1)] + b"utf-8" + data[declared.end(1) :]


def _story(entry: Any, source: Source, now: datetime, problems: list[Problem], index: int) -> Story | None:
    title = html_to_text(entry.get("title", ""))[:MAX_TITLE]
    body = html_to_text(_body_html(entry))
    guid = (entry.get("id") or "").strip()
    link = (entry.get("link") or "").strip()
    where = guid or link or f"entry #{index + 1}"
    if not title or not body:
        problems.append(Problem(source.key, "incomplete", f"{where}: no title or no text"))
        return None
    published = _when(entry)
    if published is None:
        problems.append(Problem(source.key, "no-date", f"{where}: no readable date, using fetch time"))
        published = now
    return Story(
        story_id=story_id(source.key, guid, link, title, body),
        source=source.key,
        agency=source.agency,
        attribution=source.attribution,
        guid=guid or link,
        title=title,
        body=body,
        url=link,
        published=published,
        content_hash=content_hash(title, body),
    )


def _body_html(entry: Any) -> str:
    contents = entry.get("content") or []
    longest = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "") or ""
    return longest if len(longest) >= len(summary) else summary


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, OSError):
                return None  # a year outside datetime's range: treated as no date
    return None
