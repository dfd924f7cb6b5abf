"""How long browsers and CloudFront may keep each public object of the site.

The site is the bucket's ``site/`` prefix behind CloudFront (origin path ``/site``). What can still
change soon (the archive index, the feeds, today's page and audio) is kept briefly; an edition of a
past date rarely changes, and when it does (a correction) the publisher invalidates it.
"""

from __future__ import annotations

import re

SITE_PREFIX = "site/"
SHORT = "public, max-age=300"
# Browsers re-check within an hour; CloudFront keeps the copy until an invalidation replaces it.
LONG = "public, max-age=3600, s-maxage=31536000"

_DATED = re.compile(r"^site/(\d{4}-\d{2}-\d{2})/")


def cache_control(key: str, today: str) -> str | None:
    """The ``Cache-Control`` header for the object at ``key``; None for private objects.

    ``today`` is the newsroom's current edition date (ISO): a dated object of an earlier date is
    long-lived, everything else public is short-lived.

    Examples
    --------
    >>> cache_control("site/2026-11-27/index.html", "2026-11-28")
    'public, max-age=3600, s-maxage=31536000'
    >>> cache_control("site/2026-11-28/edition.mp3", "2026-11-28")
    'public, max-age=300'
    >>> cache_control("site/feed.atom", "2026-11-28")
    'public, max-age=300'
    >>> cache_control("editions/2026-11-27/v0001/email.html", "2026-11-28") is None
    True
    """
    if not key.startswith(SITE_PREFIX):
        return None
    dated = _DATED.match(key)
    return LONG if dated and dated.group(1) < today else SHORT


def site_path(key: str) -> str:
    """The URL path (on the distribution) of the site object at ``key``.

    Examples
    --------
    >>> site_path("site/2026-11-28/index.html")
    '/2026-11-28/index.html'
    >>> site_path("site/index.html")
    '/index.html'
    """
    if not key.startswith(SITE_PREFIX):
        raise ValueError(f"{key} is not part of the public site")
    return "/" + key[len(SITE_PREFIX) :]
