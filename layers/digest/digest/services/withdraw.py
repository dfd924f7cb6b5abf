"""Withdrawals: a wire story killed after an edition was built leaves that edition.

An unsent edition is rebuilt without it; a sent one gets a correction version, so its web copy
carries a visible note (nobody is emailed again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from digest.ports import EditionStore

logger = Logger(child=True)

NOTE = "A story in this edition was withdrawn by the agency that reported it and has been removed."


def withdraw_recent(
    withdrawn: Iterable[str], today: date, *, editions: EditionStore, rebuild: Callable[[str, str], Any]
) -> list[str]:
    """Take withdrawn stories out of today's and yesterday's editions (older ones are history)."""
    days = [today.isoformat(), (today - timedelta(days=1)).isoformat()]
    return apply_withdrawals(withdrawn, days, editions=editions, rebuild=rebuild)


def apply_withdrawals(
    withdrawn: Iterable[str], days: Iterable[str], *, editions: EditionStore, rebuild: Callable[[str, str], Any]
) -> list[str]:
    """Rebuild each of ``days``' editions that uses a withdrawn story; returns the days rebuilt."""
    killed = set(withdrawn)
    rebuilt = []
    for day in days:
        latest = editions.latest(day)
        if killed and latest is not None and killed & set(latest.story_ids):
            rebuild(day, NOTE)
            rebuilt.append(day)
            logger.info("withdrawn story removed", extra={"edition_date": day, "status": latest.status})
    return rebuilt
