"""What a newly confirmed reader is told: when the first edition arrives, their plan, their links.

Pure: the confirmation time comes from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from digest.core.edition import date_label
from digest.core.preferences import hour_label


@dataclass(frozen=True)
class Welcome:
    """The facts of the confirmation page and the welcome email."""

    plan_label: str
    trial_end_label: str  # "" for plans without an end
    first_delivery: str  # e.g. "tomorrow, Thursday, December 3, 2026"
    delivery_time: str  # e.g. "06:00 (6 a.m.), New York time"
    preferences_url: str
    unsubscribe_url: str
    site_url: str
    podcast_url: str
    choices: str = "Choose your time zone, or pause while you are away."  # what the preferences page offers


_CHOICES = {
    "timezone": "choose your time zone",
    "send_hour": "the hour it arrives",
    "audio": "turn the audio link off",
    "plain_text": "ask for plain text only",
    "paused": "pause while you are away",
}


def choices_sentence(settings: Iterable[str]) -> str:
    """What the preferences page lets a reader do, as one sentence.

    Examples
    --------
    >>> choices_sentence({"paused", "timezone"})
    'Choose your time zone, or pause while you are away.'
    >>> choices_sentence({"timezone", "send_hour", "audio", "plain_text", "paused", "paused_until"})
    'Choose your time zone, the hour it arrives, turn the audio link off, ask for plain text only, or pause while you are away.'
    """
    parts = [text for name, text in _CHOICES.items() if name in set(settings)]
    if not parts:
        return ""
    sentence = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", or " + parts[-1]
    return sentence[0].upper() + sentence[1:] + "."


def first_delivery(now: datetime, zone: str, hour: int) -> datetime:
    """The first ``hour``:00 in ``zone`` after ``now``: when the reader's first edition is due.

    Examples
    --------
    >>> from datetime import UTC
    >>> first_delivery(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), "America/New_York", 6).isoformat()
    '2026-12-03T06:00:00-05:00'
    >>> first_delivery(datetime(2026, 12, 2, 10, 30, tzinfo=UTC), "America/New_York", 6).isoformat()
    '2026-12-02T06:00:00-05:00'
    """
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    due = datetime.combine(local.date(), time(hour), tz)
    if due <= local:
        due = datetime.combine(local.date() + timedelta(days=1), time(hour), tz)
    return due


def when_label(due: datetime, now: datetime) -> str:
    """``due`` as the reader reads it: "today", "tomorrow" or the date, in ``due``'s zone.

    Examples
    --------
    >>> from datetime import UTC
    >>> due = first_delivery(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), "America/New_York", 6)
    >>> when_label(due, datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    'tomorrow, Thursday, December 3, 2026'
    """
    day, today = due.date(), now.astimezone(due.tzinfo).date()
    prefix = {today: "today, ", today + timedelta(days=1): "tomorrow, "}.get(day, "on ")
    return prefix + date_label(day.isoformat())


def zone_label(zone: str) -> str:
    """A time zone as a sentence names it.

    Examples
    --------
    >>> zone_label("America/New_York"), zone_label("UTC")
    ('New York time', 'UTC')
    """
    return zone if "/" not in zone else zone.rsplit("/", 1)[1].replace("_", " ") + " time"


def delivery_time(zone: str, hour: int) -> str:
    """The reader's delivery hour and zone in words.

    Examples
    --------
    >>> delivery_time("Europe/Paris", 7)
    '07:00 (7 a.m.), Paris time'
    """
    return f"{hour_label(hour)}, {zone_label(zone)}"


def end_label(trial_end: str) -> str:
    """The long date a trial ends ("" when it does not).

    Examples
    --------
    >>> end_label("2026-12-16"), end_label("")
    ('Wednesday, December 16, 2026', '')
    """
    return date_label(trial_end) if trial_end else ""
