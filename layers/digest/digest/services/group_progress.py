"""What the editor sees of an edition's reader groups: each (time zone, hour), when it is due
(UTC and local), whether it is queued, and how many of its readers were sent the edition."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from digest.core.delivery_groups import QUEUED, members_key
from digest.core.delivery_groups import local_time as local_clock
from digest.core.subscriber import SENT, Delivery
from digest.ports import BlobStore, DeliveryGroupStore


def group_rows(
    day: str, groups: DeliveryGroupStore | None, blobs: BlobStore, deliveries: Iterable[Delivery]
) -> list[dict[str, Any]]:
    """One row per group of ``day``, in the order they are due ([] without a group store)."""
    if groups is None:
        return []
    sent = {d.subscriber_id for d in deliveries if d.state == SENT}
    rows = []
    for mark in sorted(groups.for_day(day), key=lambda m: (m.due_at, m.key)):
        group = mark.group
        ids = _members(blobs, day, mark.key) if mark.state == QUEUED else []
        rows.append(
            {
                "group": mark.key,
                "zone": group.zone,
                "hour": group.hour,
                "due_at": mark.due_at,
                "due_local": local_clock(mark.due_at, group.zone),
                "state": mark.state,
                "queued": mark.recipients,
                "sent": sum(1 for i in ids if i in sent),
            }
        )
    return rows


def _members(blobs: BlobStore, day: str, key: str) -> list[str]:
    try:
        ids = json.loads(blobs.get(members_key(day, key)) or b"[]")
    except ValueError:
        return []
    return [str(i) for i in ids] if isinstance(ids, list) else []
