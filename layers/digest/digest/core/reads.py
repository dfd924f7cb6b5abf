"""Opens and clicks of an edition: counted for the editor, never per person.

With ``ReadTracking`` on, the stack's SES configuration set publishes an ``Open`` event when a
reader's mail client loads the open pixel and a ``Click`` event when a reader follows a tracked
link. Only counts are kept: opens and clicks per edition, clicks per story. A story's links carry
its id as an SES link tag (``ses:tags="story:<id>;"``, which SES passes back in the click's
``linkTags``); every other link of the edition email carries ``ses:no-track`` and is never
rewritten. No reader id, address, IP address or user agent is read into a count.

The counts are approximate, as SES's own are: every repeated open or click is an event, mail
privacy proxies load pixels for the reader (or never), and an event SNS delivers twice is
counted twice (deduplicating would mean keeping each event's id).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

STORY_TAG = "story"
OPEN, CLICK = "open", "click"
# Link tags may hold the digits, the letters A-Z and a-z, hyphens and underscores (SES developer
# guide, "Amazon SES email sending metrics FAQs", click tracking Q5); message tags the same.
_TAG_VALUE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def link_tag(story_id: str) -> str | None:
    """The ``ses:tags`` value that names ``story_id`` on a link; None when SES cannot carry it.

    Examples
    --------
    >>> link_tag("ap-3f2a9c")
    'story:ap-3f2a9c;'
    >>> link_tag("feed.example/1") is None
    True
    """
    return f"{STORY_TAG}:{story_id};" if _TAG_VALUE.fullmatch(story_id) else None


def link_tags(story_ids: Iterable[str]) -> dict[str, str]:
    """The link tag of each story id that can carry one (what the email template puts on links).

    >>> link_tags(["ap-1", "bad id"])
    {'ap-1': 'story:ap-1;'}
    """
    return {sid: tag for sid in story_ids if (tag := link_tag(sid)) is not None}


@dataclass(frozen=True)
class Read:
    """What one Open or Click event adds: one ``kind`` of ``day``'s edition (and of ``story``)."""

    kind: str
    day: str
    story: str | None = None


def _first(tags: Any, name: str) -> str | None:
    value = tags.get(name) if isinstance(tags, Mapping) else None
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) and _TAG_VALUE.fullmatch(value) else None


def read_of(record: Any) -> Read | None:
    """The count an SES ``Open`` or ``Click`` event record adds; None for anything else.

    Only a reader's copy of an edition counts: its message tags name the edition (``edition``)
    and a reader (``subscriber``, read only to tell it from a test copy, never kept). A click
    counts for a story when the link's tags name one.

    Examples
    --------
    >>> mail = {"tags": {"edition": ["2026-11-28"], "subscriber": ["sub-1"]}}
    >>> read_of({"eventType": "Click", "mail": mail, "click": {"linkTags": {"story": ["ap-1"]}}})
    Read(kind='click', day='2026-11-28', story='ap-1')
    >>> read_of({"eventType": "Open", "mail": mail, "open": {}})
    Read(kind='open', day='2026-11-28', story=None)
    >>> read_of({"eventType": "Open", "mail": {"tags": {"edition": ["2026-11-28"], "kind": ["test"]}}, "open": {}})
    """
    if not isinstance(record, Mapping) or record.get("eventType") not in ("Open", "Click"):
        return None
    kind = OPEN if record["eventType"] == "Open" else CLICK
    mail, detail = record.get("mail"), record.get(kind)
    tags = mail.get("tags") if isinstance(mail, Mapping) else None
    day = _first(tags, "edition")
    if day is None or not _DAY.fullmatch(day) or _first(tags, "subscriber") is None:
        return None
    if not isinstance(detail, Mapping):
        return None
    story = _first(detail.get("linkTags"), STORY_TAG) if kind == CLICK else None
    return Read(kind, day, story)


@dataclass(frozen=True)
class ReadTally:
    """One edition's counts: opens, clicks (on any tracked link) and clicks per story id."""

    opens: int = 0
    clicks: int = 0
    stories: dict[str, int] = field(default_factory=dict)


def reads_view(
    tally: ReadTally, rows: Iterable[Mapping[str, Any]], tracking: bool, headlines: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """What the editor API answers for an edition's reads: the stack's switch, the edition's
    counts and each story's clicks, in the edition's order (``rows`` as ``core.desk.story_rows``
    gives them), then stories clicked that the edition no longer shows (named from ``headlines``).

    Examples
    --------
    >>> rows = [{"id": "ap-1", "headline": "Quake"}, {"id": "afp-2", "headline": "Vote"}]
    >>> reads_view(ReadTally(5, 3, {"afp-2": 2, "gone-9": 1}), rows, True)["stories"]
    [{'id': 'ap-1', 'headline': 'Quake', 'clicks': 0}, {'id': 'afp-2', 'headline': 'Vote', 'clicks': 2}, {'id': 'gone-9', 'headline': '', 'clicks': 1}]
    """
    stories = [
        {
            "id": str(r.get("id", "")),
            "headline": str(r.get("headline", "")),
            "clicks": tally.stories.get(str(r.get("id")), 0),
        }
        for r in rows
    ]
    shown = {s["id"] for s in stories}
    known = headlines or {}
    stories += [
        {"id": sid, "headline": known.get(sid, ""), "clicks": n}
        for sid, n in sorted(tally.stories.items())
        if sid not in shown
    ]
    return {"tracking": tracking, "opens": tally.opens, "clicks": tally.clicks, "stories": stories}
