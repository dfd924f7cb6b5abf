"""Wall-clock schedules: EventBridge Scheduler cron expressions in a time zone, and the send window.

``fire_times`` evaluates the ``cron(...)`` subset our template uses the way EventBridge Scheduler
does with ``ScheduleExpressionTimezone``: on local wall-clock time, so 06:00 stays 06:00 local
across daylight-saving changes (a local time that does not exist that day is skipped).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

_DOW = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


def _field(spec: str, low: int, high: int) -> set[int] | None:
    """Values allowed by one cron field; ``None`` means any (``*`` or ``?``)."""
    if spec in ("*", "?"):
        return None
    values: set[int] = set()
    for part in spec.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            a, b = base.split("-")
            start, end = int(_DOW.get(a, a)), int(_DOW.get(b, b))
        else:
            start = int(_DOW.get(base, base))
            end = high if step else start
        values.update(range(start, end + 1, int(step) if step else 1))
    return values


def fire_times(expression: str, zone: str, start: date, days: int) -> list[datetime]:
    """UTC times at which ``cron(m h dom mon dow year)`` fires in ``zone`` over ``days`` days.

    Examples
    --------
    >>> [t.isoformat() for t in fire_times("cron(0 6 * * ? *)", "America/New_York", date(2026, 3, 7), 3)]
    ['2026-03-07T11:00:00+00:00', '2026-03-08T10:00:00+00:00', '2026-03-09T10:00:00+00:00']
    """
    if not (expression.startswith("cron(") and expression.endswith(")")):
        raise ValueError(f"not a cron expression: {expression!r}")
    minute, hour, dom, month, dow, _year = expression[5:-1].split()
    minutes, hours = _field(minute, 0, 59), _field(hour, 0, 23)
    doms, months, dows = _field(dom, 1, 31), _field(month, 1, 12), _field(dow, 1, 7)
    tz = ZoneInfo(zone)
    out: list[datetime] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        cron_dow = day.isoweekday() % 7 + 1  # cron: 1 = Sunday
        if (doms and day.day not in doms) or (months and day.month not in months) or (dows and cron_dow not in dows):
            continue
        for h in sorted(hours if hours is not None else range(24)):
            for m in sorted(minutes if minutes is not None else range(60)):
                local = datetime.combine(day, time(h, m), tz)
                if local.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
                    continue  # does not exist on this day (clocks jumped over it)
                out.append(local.astimezone(timezone.utc))
    return out


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
    >>> edition_day(datetime(2026, 12, 2, 0, 30, tzinfo=timezone.utc), "America/New_York")
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
    return start.replace(tzinfo=tz).astimezone(timezone.utc), end.replace(tzinfo=tz).astimezone(timezone.utc)


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
