"""Withdrawals: a wire story killed after an edition was built leaves that edition.

An unsent edition is rebuilt without it; a sent one gets a correction version, so its web copy
carries a visible note (nobody is emailed again).

Which stories are withdrawn is read from the stored stories, not from the ingest run that stored
the cancel: a run that stopped between storing a cancel and rebuilding the edition leaves the
story stored as withdrawn, and the next run's check finds it in the edition and rebuilds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from digest.core.story import withdrawn_ids
from digest.errors import DigestError
from digest.ports import EditionStore, StoryStore

logger = Logger(child=True)

NOTE = "A story in this edition was withdrawn by the agency that reported it and has been removed."


def withdraw_recent(
    withdrawn: Iterable[str],
    today: date,
    *,
    editions: EditionStore,
    rebuild: Callable[[str, str], Any],
    stories: StoryStore | None = None,
) -> list[str]:
    """Take withdrawn stories out of today's and yesterday's editions (older ones are history).

    ``stories``: the story store, whose withdrawn stories are taken out whichever run stored them;
    ``withdrawn`` adds story ids known to be withdrawn (the current run's cancels).
    """
    days = [today.isoformat(), (today - timedelta(days=1)).isoformat()]
    return apply_withdrawals(withdrawn, days, editions=editions, rebuild=rebuild, stories=stories)


def apply_withdrawals(
    withdrawn: Iterable[str],
    days: Iterable[str],
    *,
    editions: EditionStore,
    rebuild: Callable[[str, str], Any],
    stories: StoryStore | None = None,
) -> list[str]:
    """Rebuild each of ``days``' editions that uses a withdrawn story; returns the days rebuilt.

    A day whose rebuild is refused (an edition still sending) is logged and left for the next
    run; the other days go on.
    """
    known = set(withdrawn)
    rebuilt = []
    for day in days:
        latest = editions.latest(day)
        if latest is None:
            continue
        killed = known & set(latest.story_ids)
        if stories is not None:
            killed |= set(withdrawn_ids(latest.story_ids, stories.get))
        if not killed:
            continue
        try:
            rebuild(day, NOTE)
        except DigestError as exc:
            logger.warning("withdrawal not applied yet", extra={"edition_date": day, "reason": str(exc)})
            continue
        rebuilt.append(day)
        logger.info(
            "withdrawn story removed", extra={"edition_date": day, "status": latest.status, "stories": sorted(killed)}
        )
    return rebuilt
