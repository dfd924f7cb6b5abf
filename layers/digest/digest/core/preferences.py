"""A reader's delivery preferences: what the preferences page shows and how its form is read.

Pure: the caller passes the known time zones (``zoneinfo.available_timezones()``) and today's
date. A field the request does not carry leaves that setting as it is, so a client (or a form)
that sends only some fields never changes the others: an unticked pause never un-pauses anyone,
because pausing is an explicit choice among "keep sending", "pause until a date" and "pause until
I resume".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

# IANA areas offered in the list, in the order shown; other names (Etc/*, US/*, links kept for
# old systems) are accepted when posted but not offered.
AREAS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
MAX_PAUSE_DAYS = 365
MAX_REASON = 200
PAUSE_CHOICES = ("no", "until", "yes")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class Preferences:
    """How one reader wants the edition: zone, local hour, audio link, plain text, pause.

    ``paused_until`` is an ISO date ("" with ``paused``: until the reader resumes).
    ``timezone_set`` is False while the reader has not chosen a zone (``timezone`` is then the
    newsroom's, and the page may offer the browser's instead); it is not stored itself.
    """

    timezone: str = "America/New_York"
    send_hour: int = 6
    audio: bool = True
    plain_text: bool = False
    paused: bool = False
    paused_until: str = ""
    timezone_set: bool = True

    @property
    def pause_choice(self) -> str:
        """The pause radio button to preselect: "no", "until" or "yes"."""
        return ("until" if self.paused_until else "yes") if self.paused else "no"


def preferences_of(record: Any, default_hour: int, default_zone: str = "America/New_York") -> Preferences:
    """The preferences a subscriber record holds; settings it has no field for, or has not
    chosen yet (an empty zone, no hour), take the newsroom's defaults.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> preferences_of(SimpleNamespace(timezone="Europe/Paris", paused=True), 6)
    Preferences(timezone='Europe/Paris', send_hour=6, audio=True, plain_text=False, paused=True, paused_until='', timezone_set=True)
    >>> preferences_of(SimpleNamespace(timezone="", send_hour=None), 7, "Europe/London")
    Preferences(timezone='Europe/London', send_hour=7, audio=True, plain_text=False, paused=False, paused_until='', timezone_set=False)
    """
    base = Preferences(timezone=default_zone, send_hour=default_hour)
    values = {name: getattr(record, name) for name in Preferences.__dataclass_fields__ if hasattr(record, name)}
    values = {name: value for name, value in values.items() if value is not None}
    if not values.get("timezone"):
        values.update(timezone=default_zone, timezone_set=False)
    return replace(base, **values)


def read_preferences(
    fields: Mapping[str, str], current: Preferences, zones: Iterable[str], today: date
) -> tuple[Preferences, list[str]]:
    """``current`` with the settings ``fields`` carries; the problems found (nothing changes then).

    Checkboxes are read as forms post them: a hidden "0" before the box, so "1"/"on"/"true" is on
    and anything else off; an absent field keeps the setting.

    Examples
    --------
    >>> now = Preferences()
    >>> read_preferences({"send_hour": "7", "audio": "0"}, now, ["UTC"], date(2026, 12, 2))[0]
    Preferences(timezone='America/New_York', send_hour=7, audio=False, plain_text=False, paused=False, paused_until='', timezone_set=True)
    >>> read_preferences({}, replace(now, paused=True), [], date(2026, 12, 2))[0].paused
    True
    >>> read_preferences({"timezone": "Mars/Olympus"}, now, ["UTC"], date(2026, 12, 2))[1]
    ['Choose a time zone from the list.']
    """
    changes: dict[str, Any] = {}
    problems: list[str] = []
    if "timezone" in fields:
        if fields["timezone"] in set(zones):
            changes.update(timezone=fields["timezone"], timezone_set=True)
        else:
            problems.append("Choose a time zone from the list.")
    if "send_hour" in fields:
        hour = fields["send_hour"].strip()
        if hour.isdigit() and 0 <= int(hour) <= 23:
            changes["send_hour"] = int(hour)
        else:
            problems.append("Choose a delivery hour from the list.")
    for box in ("audio", "plain_text"):
        if box in fields:
            changes[box] = fields[box].strip().lower() in ("1", "on", "true", "yes")
    if "pause" in fields:
        problem = _read_pause(fields, today, changes)
        if problem:
            problems.append(problem)
    return (current if problems else replace(current, **changes)), problems


def _read_pause(fields: Mapping[str, str], today: date, changes: dict[str, Any]) -> str | None:
    choice = fields["pause"].strip().lower()
    if choice not in PAUSE_CHOICES:
        return "Choose whether to pause deliveries."
    if choice != "until":
        changes.update(paused=choice == "yes", paused_until="")
        return None
    try:
        until = date.fromisoformat(fields.get("pause_until", "").strip())
    except ValueError:
        return "Give the date deliveries start again (YYYY-MM-DD)."
    if not today < until <= today + timedelta(days=MAX_PAUSE_DAYS):
        return f"The pause must end after today and within {MAX_PAUSE_DAYS} days."
    changes.update(paused=True, paused_until=until.isoformat())
    return None


def zone_groups(zones: Iterable[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Time zones grouped by area for a ``<select>``: (area, [(zone, label)]), UTC last.

    Examples
    --------
    >>> zone_groups(["Europe/Paris", "America/Argentina/Salta", "Etc/GMT+5", "UTC", "America/New_York"])
    [('America', [('America/Argentina/Salta', 'Argentina – Salta'), ('America/New_York', 'New York')]), ('Europe', [('Europe/Paris', 'Paris')]), ('Other', [('UTC', 'UTC (Coordinated Universal Time)')])]
    """
    known = set(zones)
    groups = []
    for area in AREAS:
        names = sorted(z for z in known if z.startswith(area + "/"))
        if names:
            groups.append((area, [(z, z.split("/", 1)[1].replace("_", " ").replace("/", " – ")) for z in names]))
    if "UTC" in known:
        groups.append(("Other", [("UTC", "UTC (Coordinated Universal Time)")]))
    return groups


def hour_label(hour: int) -> str:
    """A delivery hour as the list shows it.

    Examples
    --------
    >>> hour_label(0), hour_label(6), hour_label(13)
    ('00:00 (midnight)', '06:00 (6 a.m.)', '13:00 (1 p.m.)')
    """
    if hour == 0:
        return "00:00 (midnight)"
    if hour == 12:
        return "12:00 (noon)"
    return f"{hour:02d}:00 ({hour % 12 or 12} {'a.m.' if hour < 12 else 'p.m.'})"


def clean_reason(text: str) -> str:
    """An unsubscribe survey answer as stored: one line, trimmed, at most ``MAX_REASON`` characters.

    Examples
    --------
    >>> clean_reason("  Too many\\r\\nemails\\x00 ")
    'Too many emails'
    """
    return " ".join(_CONTROL.sub(" ", text).split())[:MAX_REASON]
