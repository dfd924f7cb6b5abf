"""EventBridge Scheduler's ``cron(...)`` on local wall-clock time, to check the template's schedules.

``fire_times`` evaluates the ``cron(...)`` subset our template uses the way EventBridge Scheduler
does with ``ScheduleExpressionTimezone``: on local wall-clock time, so 06:00 stays 06:00 local
across daylight-saving changes (a local time that does not exist that day is skipped).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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
                if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
                    continue  # does not exist on this day (clocks jumped over it)
                out.append(local.astimezone(UTC))
    return out
