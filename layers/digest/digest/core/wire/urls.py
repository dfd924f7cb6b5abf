"""Which story URLs may be stored: absolute http(s) addresses only.

A story's link is shown to readers and followed by browsers: ``javascript:``, ``data:``, relative
paths or text with spaces are never stored; ingest records each as a "bad-url" problem.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlsplit

from digest.core.story import ParseResult, Problem

_UNSAFE_URL = re.compile(r"[\x00-\x20\x7f]")  # spaces and control characters


def is_web_url(url: str) -> bool:
    """Is ``url`` an absolute http(s) address with a host (and no spaces or control characters)?

    Examples
    --------
    >>> is_web_url("https://wire.example/a?b=1"), is_web_url("HTTP://wire.example")
    (True, True)
    >>> is_web_url("javascript:alert(document.cookie)"), is_web_url("data:text/html,hi")
    (False, False)
    >>> is_web_url("/story/1"), is_web_url("https://"), is_web_url("https://x.example/a b")
    (False, False, False)
    """
    if not isinstance(url, str) or _UNSAFE_URL.search(url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def checked_urls(result: ParseResult) -> ParseResult:
    """``result`` with every story URL that is not an http(s) address removed, each recorded as a
    "bad-url" problem of the story's source (the story itself is kept).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from digest.core.story import Story
    >>> story = Story("s", "w", "W", "W", "g", "T", "B.", "javascript:alert(document.cookie)",
    ...               datetime(2026, 11, 28, tzinfo=UTC), "h")
    >>> checked = checked_urls(ParseResult([story]))
    >>> checked.stories[0].url, [(p.kind, p.detail[:33]) for p in checked.problems]
    ('', [('bad-url', "story s: 'javascript:alert(docume")])
    """
    stories, problems = [], list(result.problems)
    for story in result.stories:
        if story.url and not is_web_url(story.url):
            detail = f"story {story.story_id}: {story.url[:80]!r} is not an http(s) address; not stored"
            problems.append(Problem(story.source, "bad-url", detail[:500]))
            story = replace(story, url="")
        stories.append(story)
    return ParseResult(stories, problems)
