"""What every wire format shares: one item's fields, checking them into a story, and problems.

A parser reads each entry into an ``Item``; ``collect`` checks and cleans items into stories and
keeps what was wrong as problems, never raising. The text helpers read loosely typed values safely.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from digest.core.feeds import MAX_TITLE
from digest.core.html_text import html_to_text
from digest.core.identity import content_hash, story_id
from digest.core.story import CANCELED, USABLE, WITHHELD, ParseResult, Problem, Source, Story
from digest.core.wire.urls import is_web_url

CORRECTION = re.compile(r"\bcorrect(?:ion|s|ed)\b", re.I)
_INTEGER = re.compile(r"\s*[+-]?[0-9]{1,9}\s*")
_STATUS = {"usable": USABLE, "withheld": WITHHELD, "canceled": CANCELED, "cancelled": CANCELED}


@dataclass
class Item:
    """What a format says about one story, before checking and cleaning."""

    where: str
    guid: str
    url: str
    title: str
    body: str
    dates: tuple[Any, ...]
    embargo: Any = None
    urgency: Any = None
    version: Any = None
    status: Any = None
    corrected: bool = False


def collect(
    entries: list[Any], read: Callable[[Any, str], Item | None], source: Source, now: datetime, result: ParseResult
) -> None:
    """Read each entry with ``read`` and add its story, or its problems, to ``result``.

    Parameters
    ----------
    entries : list
        The format's items, in feed order.
    read : callable
        ``read(entry, where)`` gives an ``Item``, or ``None`` when the entry is not an item at all.
    source, now, result
        The source read, the fetch time (the date of stories without one), where stories and problems go.

    Examples
    --------
    >>> src = Source("x", "Example Wire", "Example Wire", "https://x")
    >>> result = ParseResult()
    >>> collect([Item("item #1", "g1", "", "Hi", "Text.", ("2026-11-28T09:00:00Z",)), None],
    ...         lambda entry, where: entry, src, datetime(2026, 11, 28, tzinfo=UTC), result)
    >>> [s.title for s in result.stories], [p.kind for p in result.problems]
    (['Hi'], ['malformed'])
    """
    if not entries:
        add_problem(result.problems, source, "empty", "the feed has no items")
    for index, entry in enumerate(entries):
        item = read(entry, f"item #{index + 1}")
        if item is None:
            add_problem(result.problems, source, "malformed", f"item #{index + 1} is not an item object")
            continue
        story = _story(item, source, now, result.problems)
        if story is not None:
            result.stories.append(story)


def add_problem(problems: list[Problem], source: Source, kind: str, detail: str) -> None:
    """Append a problem of ``kind`` about ``source``; ``detail`` is cut to 500 characters."""
    problems.append(Problem(source.key, kind, detail[:500]))


def _story(item: Item, source: Source, now: datetime, problems: list[Problem]) -> Story | None:
    where = item.guid or item.url or item.where

    def problem(kind: str, detail: str) -> None:
        add_problem(problems, source, kind, f"{where}: {detail}")

    title, body = item.title[:MAX_TITLE], item.body
    if not title or not body:
        problem("incomplete", "no title or no text")
        return None
    published, status = None, _status(item.status, problem)
    for raw in (d for d in item.dates if d not in (None, "")):
        published = _when(raw)
        if published is not None:
            break
        problem("bad-date", f"unreadable date {raw!r:.60}")
    if published is None and not any(d not in (None, "") for d in item.dates):
        problem("no-date", "no readable date, using fetch time")
    embargo = None if item.embargo in (None, "") else _when(item.embargo)
    if embargo is None and item.embargo not in (None, ""):
        problem("bad-date", f"unreadable embargo {item.embargo!r:.60}, story withheld")
        status = WITHHELD if status == USABLE else status
    return Story(
        story_id=story_id(source.key, item.guid, item.url, title, body),
        source=source.key,
        agency=source.agency,
        attribution=source.attribution,
        guid=item.guid or item.url,
        title=title,
        body=body,
        url=item.url,
        published=published or now,
        content_hash=content_hash(title, body),
        version=_int(item.version, 1, 10**6, 1, "version", problem),
        urgency=_int(item.urgency, 1, 9, 5, "urgency", problem),
        embargo=embargo,
        status=status,
        corrected=item.corrected,
    )


def _when(value: Any) -> datetime | None:
    """Aware UTC from ISO 8601 text (naive means UTC); None when unreadable."""
    try:
        when = datetime.fromisoformat(value.strip().upper()) if isinstance(value, str) else None
        return when and (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _int(raw: Any, low: int, high: int, default: int, what: str, problem: Callable[[str, str], None]) -> int:
    if raw is None or raw == "":
        return default
    value = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    elif isinstance(raw, str) and _INTEGER.fullmatch(raw):
        value = int(raw)
    if value is None:
        problem(f"bad-{what}", f"{what} {raw!r:.40} is not an integer, using {default}")
        return default
    if not low <= value <= high:
        problem(f"bad-{what}", f"{what} {str(value)[:20]} is outside {low}..{high}, clamped")
    return min(max(value, low), high)


def _status(raw: Any, problem: Callable[[str, str], None]) -> str:
    if raw is None or raw == "":
        return USABLE
    if code_of(raw) in _STATUS:
        return _STATUS[code_of(raw)]
    problem("bad-status", f"unknown status {raw!r:.40}, story withheld")
    return WITHHELD


def scalar(value: Any) -> str:
    """A string (stripped) or number as text; anything else is ""."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def web(value: Any) -> str:
    """Only http(s) addresses become a story's link (never javascript: or data:).

    Examples
    --------
    >>> web(" https://x.example/a "), web("javascript:alert(1)"), web(None)
    ('https://x.example/a', '', '')
    """
    url = scalar(value)
    return url if is_web_url(url) else ""


def code_of(value: Any) -> str:
    """The last part of a code or IRI, lower case: "stat:canceled" -> "canceled".

    Examples
    --------
    >>> code_of("stat:Canceled"), code_of("http://cv.iptc.org/newscodes/signal/correction"), code_of(3)
    ('canceled', 'correction', '')
    """
    return re.split(r"[:/#]", value.strip().lower())[-1] if isinstance(value, str) else ""


def listed(value: Any) -> list[Any]:
    """A list as is, ``None`` as [], anything else as a one-item list."""
    return value if isinstance(value, list) else [] if value is None else [value]


def dicts(value: Any) -> list[dict[str, Any]]:
    """The objects (dicts) in ``value``, read as a list by ``listed``."""
    return [entry for entry in listed(value) if isinstance(entry, dict)]


def html_text(value: Any) -> str:
    """Tidy text of an HTML string; "" for anything else."""
    return html_to_text(value) if isinstance(value, str) else ""


def plain_text(value: Any) -> str:
    """Plain text tidied like HTML text; a literal "<" stays text."""
    return html_to_text(escape(value, quote=False)) if isinstance(value, str) else ""
