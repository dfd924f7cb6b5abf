"""Which stories of an edition are read: its opens and clicks as the editor sees them
(``GET /editions/{day}/reads``, ``digest reads``, the desk's reads panel). Counts only, per
edition and per story (``digest.core.reads``); nothing here can name a reader.
"""

from __future__ import annotations

from typing import Any

from digest.core import desk
from digest.core.reads import reads_view
from digest.ports import BlobStore, EditionStore
from digest.ports_reader import ReadCounts
from digest.services.desk import overrides_of, seen, snapshot


def edition_reads(
    day: str, *, editions: EditionStore, blobs: BlobStore, read_counts: ReadCounts, tracking: bool
) -> dict[str, Any]:
    """``day``'s opens and clicks, each story of its latest version with its clicks (then stories
    clicked that it no longer shows), and whether the stack tracks reads at all (``tracking``).
    A day without an edition answers zeros and no stories."""
    latest = editions.latest(day)
    rows: list[dict[str, Any]] = []
    headlines: dict[str, str] = {}
    if latest is not None:
        rows = desk.story_rows(snapshot(blobs, day, latest.version), overrides_of(blobs, day).edits, {})
        rows = [r for r in rows if r.get("position") is not None]  # the stories the edition shows
        headlines = seen(editions, blobs, day)
    view = reads_view(read_counts.tally(day), rows, tracking, headlines)
    return {"edition_date": day, "version": latest.version if latest else 0, **view}
