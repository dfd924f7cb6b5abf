"""The newsroom's calendar: its current edition date, the news window of an edition, the send window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def late_reason(now: datetime, day: date, zone: str, send_at: time, window_minutes: int) -> str | None:
    """Why sending the edition of ``day`` at ``now`` would be too early or too late, or ``None``.

    Examples
    --------
    >>> tz = ZoneInfo("America/New_York")
    >>> late_reason(datetime(2026, 11, 28, 6, 5, tzinfo=tz), date(2026, 11, 28), "America/New_York", time(6), 120) is None
    True
    >>> late_reason(datetime(2026, 11, 28, 9, 30, tzinfo=tz), date(2026, 11, 28), "America/New_York", time(6), 120)
    'too late: 09:30 America/New_York is past the send window 06:00-08:00 for 2026-11-28'
    """
    tz = ZoneInfo(zone)
    opens = datetime.combine(day, send_at, tz)
    closes = opens + timedelta(minutes=window_minutes)
    local = now.astimezone(tz)
    span = f"{opens:%H:%M}-{closes:%H:%M}"
    if local < opens - timedelta(minutes=5):
        return f"too early: {local:%Y-%m-%d %H:%M} {zone} is before the send window {span} for {day}"
    if local > closes:
        when = f"{local:%H:%M}" if local.date() == day else f"{local:%Y-%m-%d %H:%M}"
        return f"too late: {when} {zone} is past the send window {span} for {day}"
    return None


def edition_day(now: datetime, zone: str) -> date:
    """The newsroom's current edition date: today in its time zone, whatever the machine's date.

    Examples
    --------
    >>> edition_day(datetime(2026, 12, 2, 0, 30, tzinfo=UTC), "America/New_York")
    datetime.date(2026, 12, 1)
    """
    return now.astimezone(ZoneInfo(zone)).date()


def news_window(day: date, zone: str, assemble_at: time, hours: int = 24) -> tuple[datetime, datetime]:
    """The instants (UTC) between which the news of the edition of ``day`` was published.

    The window ends at ``day``'s assembly time in the newsroom's zone and starts ``hours`` of
    local wall-clock time earlier, so consecutive daily editions tile time exactly, also across a
    daylight-saving change (that day's window is 23 or 25 hours long).

    Examples
    --------
    >>> start, end = news_window(date(2026, 3, 8), "America/New_York", time(5))
    >>> start.isoformat(), end.isoformat()
    ('2026-03-07T10:00:00+00:00', '2026-03-08T09:00:00+00:00')
    """
    tz = ZoneInfo(zone)
    end = datetime.combine(day, assemble_at)
    start = end - timedelta(hours=hours)
    return start.replace(tzinfo=tz).astimezone(UTC), end.replace(tzinfo=tz).astimezone(UTC)


def future_reason(day: date, current: date, zone: str) -> str | None:
    """Why an edition of ``day`` cannot be made yet (its news has not happened), or ``None``.

    Examples
    --------
    >>> future_reason(date(2026, 12, 2), date(2026, 12, 1), "America/New_York")
    "2026-12-02 is in the future: the newsroom's current edition is 2026-12-01 (America/New_York)"
    >>> future_reason(date(2026, 11, 30), date(2026, 12, 1), "UTC") is None
    True
    """
    if day <= current:
        return None
    return f"{day.isoformat()} is in the future: the newsroom's current edition is {current.isoformat()} ({zone})"
