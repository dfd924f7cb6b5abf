"""Keyed subscriber ids: finding a reader's record by address, and moving records made under the
legacy unkeyed ids (``sha256(address)[:24]``) to their keyed ids.

Records made before ids were keyed keep working until they move: an address is looked up under its
keyed id, then its legacy one. :func:`migrate_ids` moves each legacy record in one transaction
(``SubscriberStore.move``): the record under its keyed id and, in place of the old item, an alias
that names the keyed id and holds no address, so links and SES tags already in mailboxes (which
carry the legacy id) still reach the reader. The move is conditioned on the status and time read:
a reader who unsubscribes meanwhile makes it fail, and it is read and tried again, so their
choice moves with them. A run stopped at any point leaves every record either moved or not, never
both or neither; running again finishes the rest. The delivery ledger keeps the ids it was
written with: past editions' records (and the SES events about them) name the legacy id, which
the alias resolves. A moved record remembers its legacy id, and its copies of editions dated up
to the day after the move are still claimed under it (``Subscriber.ledger_id``): a send that
began before the move, re-sent or sent again after it, never mails the reader twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from aws_lambda_powertools import Logger

from digest.core.subscriber import STATUSES, Subscriber, SubscriberIds, is_legacy_id, moved_record
from digest.ports import Clock
from digest.ports_reader import SubscriberStore

logger = Logger(child=True)

MOVE_TRIES = 5  # moves lost to concurrent changes before a record is left for the next run
MOVED, WOULD_MOVE, DONE, GONE, CONFLICT, BUSY = "moved", "would-move", "done", "gone", "conflict", "busy"
NO_ADDRESS = "no-address"  # a removed reader's kept suppression: found by its legacy id, never moved


def find_by_address(subscribers: SubscriberStore, ids: SubscriberIds, address: str) -> Subscriber | None:
    """The record of ``address``: under its keyed id, else under its legacy id (a record not moved
    yet; an alias there leads to the moved one). ``None`` when there is none."""
    for sid in ids.candidates(address):
        found = subscribers.get(sid)
        if found is not None:
            return found
    return None


@dataclass
class MigrationReport:
    """What one run did: legacy records seen, moved (or, dry, to move), found moved already,
    gone meanwhile, left because a keyed record already exists (two records for one address:
    for an operator), left because they keep no address (a removed reader's suppression: the
    keyed id cannot be made; lookups by address still find it under the legacy id), and left
    because they kept changing (a later run moves them)."""

    seen: int = 0
    moved: int = 0
    would_move: int = 0
    done: int = 0
    gone: int = 0
    conflicts: int = 0
    no_address: int = 0
    busy: int = 0

    def count(self, outcome: str) -> None:
        self.seen += 1
        field = {
            MOVED: "moved",
            WOULD_MOVE: "would_move",
            DONE: "done",
            GONE: "gone",
            CONFLICT: "conflicts",
            NO_ADDRESS: "no_address",
        }
        name = field.get(outcome, "busy")
        setattr(self, name, getattr(self, name) + 1)

    @property
    def complete(self) -> bool:
        """Nothing left for another run."""
        return not (self.conflicts or self.busy or self.would_move)


def migrate_ids(
    *,
    subscribers: SubscriberStore,
    subscriber_ids: SubscriberIds,
    clock: Clock,
    dry_run: bool = False,
    progress: Callable[[MigrationReport], None] | None = None,
) -> MigrationReport:
    """Move every legacy record to its keyed id (``dry_run``: only count them). Idempotent: a
    record moved already is counted as ``done``; safe to stop and run again at any point."""
    report = MigrationReport()
    for status in STATUSES:
        for found in subscribers.with_status(status):  # the status index: aliases are not in these
            if not is_legacy_id(found.subscriber_id):
                continue
            report.count(move_one(subscribers, subscriber_ids, clock, found.subscriber_id, dry_run))
            if progress is not None:
                progress(report)
    logger.info("subscriber id migration", extra={"dry_run": dry_run, **vars(report)})
    return report


def move_one(subscribers: SubscriberStore, ids: SubscriberIds, clock: Clock, legacy: str, dry_run: bool) -> str:
    """Move the record under ``legacy`` to its keyed id; what happened (one of the outcomes above)."""
    for _ in range(MOVE_TRIES):
        current = subscribers.get(legacy)  # consistent, and an alias leads to the moved record
        if current is None:
            return GONE
        if current.subscriber_id != legacy:
            return DONE
        if not current.email:
            return NO_ADDRESS
        keyed = ids.of(current.email)
        if subscribers.get(keyed) is not None:
            logger.warning("a keyed record exists beside a legacy one: left", extra={"subscriber_id": keyed})
            return CONFLICT
        if dry_run:
            return WOULD_MOVE
        now = clock.now()
        # Editions dated up to the day after (UTC) keep the legacy id in the ledger: that covers
        # every edition whose sends may have begun before the move, in any time zone.
        moved_on = (now + timedelta(days=1)).date().isoformat()
        alias = moved_record(legacy, keyed, now.isoformat())
        if subscribers.move(
            replace(current, subscriber_id=keyed, moved_from=legacy, moved_on=moved_on), alias, current
        ):
            logger.info("subscriber id moved", extra={"subscriber_id": keyed})
            return MOVED
    return BUSY
