"""Queue an edition for each (time zone, hour) group of readers when the group's hour comes.

The groups are formed from the readers as they are when a group comes due, so a reader who
confirms or changes their hour before then is in it; a group is queued once (a conditional mark
per group: planned → queuing → queued; a ``queuing`` mark older than ``STALE`` belonged to a
dispatch that died, and is taken again). The ledger still keeps every reader to one email, so a
reader who moved into a later group after theirs was queued, or a group queued twice after a
crash, mails nobody twice. Groups not yet due are written as ``planned``, so the scheduled
dispatch knows when to look again without reading the subscriber list. The newsroom's own group
(its zone at its hour, where every reader who chose neither is) goes when the newsroom sends,
even when an editor sends before that hour.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import islice

from aws_lambda_powertools import Logger

from digest.core.delivery_groups import (
    PLANNED,
    QUEUED,
    QUEUING,
    DeliveryGroup,
    GroupMark,
    group_of,
    is_due,
    members_key,
)
from digest.core.delivery_groups import due_at as group_due_at
from digest.core.subscriber import ACTIVE, Subscriber
from digest.ports import BlobStore, DeliveryGroupStore, Queue
from digest.ports_reader import SubscriberStore

logger = Logger(child=True)

Runs = dict[tuple[str, bool], list[str]]  # a group's readers by (email variant, plain text): their ids
STALE = timedelta(minutes=15)  # a queuing mark older than this was left by a dispatch that died
QUEUE_CHUNK = 500  # messages handed to the queue at a time (50 SQS calls): the bodies never pile up


@dataclass(frozen=True)
class Delivered:
    """What one dispatch queued: readers, messages, and groups planned for later."""

    recipients: int = 0
    messages: int = 0
    waiting: int = 0

    def __add__(self, other: Delivered) -> Delivered:
        return Delivered(
            self.recipients + other.recipients, self.messages + other.messages, self.waiting + other.waiting
        )


@dataclass(frozen=True)
class Plan:
    """What an edition's groups are sent: its date, version and variant, the batch size and the
    newsroom's zone and hour (for readers who chose none). ``newsroom_now``: this is the
    newsroom's send (the schedule's or an editor's), so the newsroom's own group (its zone at its
    hour: every reader who chose neither) is due now, even before its hour."""

    day: str
    version: int
    variant: str
    batch_size: int
    zone: str
    hour: int
    newsroom_now: bool = False


def reader_variant(edition_variant: str, reader: Subscriber) -> str:
    """The variant a reader gets: the edition's (see ``dispatch.email_variant``), without the
    Listen link for a reader who turned it off.

    Examples
    --------
    >>> reader_variant("email", Subscriber("s", "a@example.com", audio=False))
    'email-noaudio'
    """
    return edition_variant if reader.audio else "email-noaudio"


def anything_due(groups: DeliveryGroupStore, day: str, now: datetime) -> bool:
    """Whether a group of ``day`` planned earlier is due (a look at the marks only)."""
    return any(is_due(mark, now, STALE) for mark in groups.for_day(day))


def deliver(
    plan: Plan,
    *,
    subscribers: SubscriberStore,
    queue: Queue,
    groups: DeliveryGroupStore | None,
    now: datetime,
    blobs: BlobStore | None = None,
) -> Delivered:
    """Queue every group of ``plan.day`` that is due at ``now`` and not queued yet; plan the rest.

    Without a group store (``None``) every reader is queued at once. A reader whose dated pause
    ends on or before the edition's date is un-paused first (a conditional write). The ids each
    group was queued for are kept in ``blobs`` (``members_key``) for the editor's counts."""
    by_group: dict[DeliveryGroup, Runs] = {}
    for reader in subscribers.with_status(ACTIVE):  # only the ids are kept: a million readers fit in memory
        if reader.receives_on(plan.day) and (not reader.paused or _lift_pause(subscribers, reader, now)):
            runs = by_group.setdefault(group_of(reader, plan.zone, plan.hour), {})
            runs.setdefault((reader_variant(plan.variant, reader), reader.plain_text), []).append(reader.subscriber_id)
    if groups is None:
        everyone: Runs = {}
        for runs in by_group.values():
            for run, ids in runs.items():
                everyone.setdefault(run, []).extend(ids)
        return _queue(plan, queue, everyone, "all")
    marks = {mark.key: mark for mark in groups.for_day(plan.day)}
    keys = {g.key for g in by_group} | {k for k, m in marks.items() if m.state != QUEUED}
    done, newsroom = Delivered(), DeliveryGroup(plan.zone, plan.hour).key
    for key in sorted(keys, key=lambda k: (_due(plan.day, k), k)):
        members = by_group.get(DeliveryGroup.from_key(key), {})
        mark = marks.get(key) or _plan(groups, plan.day, key, now)
        if mark is not None and plan.newsroom_now and key == newsroom:
            mark = _now_for_newsroom(groups, mark, now)
        if mark is None or not is_due(mark, now, STALE):
            done += Delivered(waiting=int(mark is not None and mark.state == PLANNED))
            continue
        taken = replace(mark, state=QUEUING, at=now.isoformat())
        if not groups.put(taken, mark):  # another dispatch took it
            continue
        try:
            queued = _queue(plan, queue, members, key)
            if blobs is not None:
                listed = json.dumps(sorted(sid for run in members.values() for sid in run)).encode("utf-8")
                blobs.put(members_key(plan.day, key), listed, "application/json")
        except Exception:
            groups.put(mark, taken)  # give it back for the next dispatch (or it goes stale)
            raise
        groups.put(replace(taken, state=QUEUED, recipients=queued.recipients, messages=queued.messages), taken)
        done += queued
    return done


def _due(day: str, key: str) -> str:
    group = DeliveryGroup.from_key(key)
    return group_due_at(date.fromisoformat(day), group.zone, group.hour).isoformat()


def _now_for_newsroom(groups: DeliveryGroupStore, mark: GroupMark, now: datetime) -> GroupMark | None:
    """The newsroom's group when the newsroom sends before its hour: due now (None: changed meanwhile)."""
    if mark.state != PLANNED or datetime.fromisoformat(mark.due_at) <= now:
        return mark
    moved = replace(mark, due_at=now.isoformat(), at=now.isoformat())
    return moved if groups.put(moved, mark) else None


def _plan(groups: DeliveryGroupStore, day: str, key: str, now: datetime) -> GroupMark | None:
    """A new ``planned`` mark for the group (None when another dispatch wrote one meanwhile)."""
    mark = GroupMark(day, key, _due(day, key), PLANNED, now.isoformat())
    if groups.put(mark, None):
        return mark
    return next((m for m in groups.for_day(day) if m.key == key), None)


def _lift_pause(subscribers: SubscriberStore, reader: Subscriber, now: datetime) -> bool:
    """End a dated pause that is over, if the record is still as read (False: leave it out this time)."""
    changes: dict[str, object] = {"paused": False, "paused_until": "", "updated_at": now.isoformat()}
    if subscribers.update(reader.subscriber_id, changes, (ACTIVE,), reader.updated_at):
        logger.info("pause ended", extra={"subscriber_id": reader.subscriber_id})
        return True
    logger.warning("pause not lifted: the record changed meanwhile", extra={"subscriber_id": reader.subscriber_id})
    return False


def _queue(plan: Plan, queue: Queue, runs: Runs, key: str) -> Delivered:
    """The group's batches, one run per (variant, plain text) in subscriber-id order, a chunk at a time."""
    bodies, sent, recipients = _bodies(plan, runs), 0, sum(map(len, runs.values()))
    while chunk := list(islice(bodies, QUEUE_CHUNK)):
        sent += queue.send(chunk)
    logger.info("group queued", extra={"edition_date": plan.day, "group": key, "recipients": recipients})
    return Delivered(recipients, sent)


def _bodies(plan: Plan, runs: Runs) -> Iterator[str]:
    for (variant, plain), ids in sorted(runs.items()):
        ids.sort()  # in place: no second list of a million ids
        for body in iter_batch_bodies(plan.day, plan.version, variant, ids, plan.batch_size):
            yield body if not plain else json.dumps({**json.loads(body), "plain_text": True})


def iter_batch_bodies(day: str, version: int, variant: str, ids: list[str], batch_size: int) -> Iterator[str]:
    """The send queue's messages, one per ``batch_size`` subscriber ids (what ``Sender.send_message`` reads)."""
    for i in range(0, len(ids), batch_size):
        yield json.dumps(
            {"edition_date": day, "version": version, "variant": variant, "subscriber_ids": ids[i : i + batch_size]}
        )
