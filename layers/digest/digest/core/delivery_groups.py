"""Delivery at each reader's own morning: readers grouped by (time zone, local hour), and the UTC
instant each group's hour falls on an edition's date.

Pure: the caller passes the readers, the newsroom's defaults and the time. A group is queued once
per edition (``GroupMark`` records it); a daylight-saving day neither skips a group nor sends it
twice, because each (zone, hour) has exactly one instant on a date: an hour the clocks skip is
sent at the first instant after it, an hour that happens twice at its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PLANNED, QUEUING, QUEUED = "planned", "queuing", "queued"


@dataclass(frozen=True, order=True)
class DeliveryGroup:
    """Readers who want the edition at ``hour``:00 in ``zone``."""

    zone: str
    hour: int

    @property
    def key(self) -> str:
        """A stable name, e.g. ``America/New_York@06``."""
        return f"{self.zone}@{self.hour:02d}"

    @classmethod
    def from_key(cls, key: str) -> DeliveryGroup:
        """The group a ``key`` names.

        Examples
        --------
        >>> DeliveryGroup.from_key("Asia/Kolkata@07")
        DeliveryGroup(zone='Asia/Kolkata', hour=7)
        """
        zone, _, hour = key.rpartition("@")
        return cls(zone, int(hour))


@dataclass(frozen=True)
class GroupMark:
    """What is known of one group of one edition: ``planned`` (due later), ``queuing`` (a
    dispatch took it at ``at`` and is queueing it) or ``queued`` (its batches are on the send queue)."""

    day: str
    key: str
    due_at: str  # ISO instant, UTC
    state: str = PLANNED
    at: str = ""  # ISO instant of the last change
    recipients: int = 0
    messages: int = 0

    @property
    def group(self) -> DeliveryGroup:
        return DeliveryGroup.from_key(self.key)


def zone_or(zone: str, default: str) -> str:
    """``zone`` when it names a time zone this system knows, else ``default`` (nobody is lost to
    a stored name that is not a zone).

    Examples
    --------
    >>> zone_or("Europe/Paris", "UTC"), zone_or("", "UTC"), zone_or("Mars/Olympus", "UTC")
    ('Europe/Paris', 'UTC', 'UTC')
    """
    return zone if zone and _known(zone) else default


@lru_cache(maxsize=1024)
def _known(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def group_of(reader: Any, default_zone: str, default_hour: int) -> DeliveryGroup:
    """The group of a reader record (``timezone``, ``send_hour``; empty or absent: the newsroom's).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> group_of(SimpleNamespace(timezone="Asia/Tokyo", send_hour=7), "America/New_York", 6).key
    'Asia/Tokyo@07'
    >>> group_of(SimpleNamespace(timezone="", send_hour=None), "America/New_York", 6).key
    'America/New_York@06'
    """
    hour = getattr(reader, "send_hour", None)
    if not isinstance(hour, int) or not 0 <= hour <= 23:
        hour = default_hour
    return DeliveryGroup(zone_or(getattr(reader, "timezone", ""), default_zone), hour)


def due_at(day: date, zone: str, hour: int) -> datetime:
    """The UTC instant of ``hour``:00 in ``zone`` on ``day``.

    An hour the clocks skip (spring forward) is due at the first instant after it; an hour that
    happens twice (fall back) at its first occurrence.

    Examples
    --------
    >>> due_at(date(2026, 12, 2), "America/New_York", 6).isoformat()
    '2026-12-02T11:00:00+00:00'
    >>> due_at(date(2026, 3, 8), "America/New_York", 2).isoformat()  # 02:00 does not exist: 03:00 EDT
    '2026-03-08T07:00:00+00:00'
    >>> due_at(date(2026, 11, 1), "America/New_York", 1).isoformat()  # 01:00 happens twice: the first
    '2026-11-01T05:00:00+00:00'
    """
    tz, wall = ZoneInfo(zone), datetime.combine(day, time(hour))
    later = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)  # a skipped hour: read with the offset before
    if _wall(later, tz) == wall:
        return later
    # Skipped: the first instant whose local time is at or after ``wall`` lies between the two readings.
    low = int(wall.replace(tzinfo=tz, fold=1).astimezone(UTC).timestamp())
    high = int(later.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), tz) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def is_due(mark: GroupMark, now: datetime, stale: timedelta) -> bool:
    """Whether a dispatch at ``now`` should queue the group: planned and due, or taken by a
    dispatch that did not finish within ``stale`` (it may have died; the ledger makes a second
    queueing harmless).

    Examples
    --------
    >>> mark = GroupMark("2026-12-02", "UTC@06", "2026-12-02T06:00:00+00:00")
    >>> is_due(mark, datetime(2026, 12, 2, 5, 59, tzinfo=UTC), timedelta(minutes=15))
    False
    >>> is_due(mark, datetime(2026, 12, 2, 6, 0, tzinfo=UTC), timedelta(minutes=15))
    True
    """
    if mark.state == QUEUED or datetime.fromisoformat(mark.due_at) > now:
        return False
    return mark.state == PLANNED or not mark.at or datetime.fromisoformat(mark.at) + stale <= now


def members_key(day: str, key: str) -> str:
    """Where the ids a group was queued for are kept (for the editor's per-group counts).

    Examples
    --------
    >>> members_key("2026-12-02", "Asia/Tokyo@07")
    'editions/2026-12-02/groups/Asia/Tokyo@07.json'
    """
    return f"editions/{day}/groups/{key}.json"


def local_time(instant: str, zone: str) -> str:
    """An ISO instant as the group's local clock reads it.

    Examples
    --------
    >>> local_time("2026-11-01T05:00:00+00:00", "America/New_York")
    '2026-11-01 01:00 EDT'
    """
    return datetime.fromisoformat(instant).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")
