"""Why an editor request is refused before anything is done: its state, its date, its shape."""

from __future__ import annotations

import re
from datetime import date

from digest.core.schedule import future_reason
from digest.errors import DigestError, FutureEdition

TODAY = "today"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class Refused(DigestError):
    """An editor action the edition's state does not allow; the message says why."""


class BadRequest(Refused):
    """The request itself is malformed (a date that is not YYYY-MM-DD, no addresses)."""


def check_day(day: str) -> date:
    """The date ``day`` names, strictly YYYY-MM-DD; BadRequest otherwise.

    Examples
    --------
    >>> check_day("2026-11-28")
    datetime.date(2026, 11, 28)
    """
    try:
        if _DAY.fullmatch(day):
            return date.fromisoformat(day)
    except (TypeError, ValueError):
        pass
    raise BadRequest(f"not an edition date: {str(day)[:40]!r} (expected YYYY-MM-DD, e.g. 2026-11-28, or today)")


def resolve_day(raw: str, today: date, zone: str) -> str:
    """The edition date a request names: ``today`` is the newsroom's current edition date.

    Examples
    --------
    >>> resolve_day("today", date(2026, 12, 1), "America/New_York")
    '2026-12-01'
    >>> resolve_day("2026-12-02", date(2026, 12, 1), "America/New_York")
    Traceback (most recent call last):
    ...
    digest.errors.FutureEdition: 2026-12-02 is in the future: the newsroom's current edition is 2026-12-01 (America/New_York)
    """
    if raw == TODAY:
        return today.isoformat()
    reason = future_reason(check_day(raw), today, zone)
    if reason:
        raise FutureEdition(reason)
    return raw
