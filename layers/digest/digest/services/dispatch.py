"""Dispatch: check the edition at send time, publish its web copy, queue deterministic batches.

The last gate before email goes out: the lifecycle (held, unapproved or already-sent editions
are refused with a reason), the send window (a stale morning email is held, not sent), and the
lint gate including the Listen link. When the audio is not ready, the configured policy either
sends the variant without the Listen link ("omit") or holds the edition ("hold").

Readers get the edition at their own hour in their own zone (``services.delivery``): the
dispatch that sends an edition queues the groups whose hour has passed and plans the others;
``dispatch_groups``, scheduled every 15 minutes, queues each group of the current and the
previous edition when its hour comes, from the newest sent version (a correction made
meanwhile reaches the later groups; a version holding a withdrawn story reaches nobody more).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from aws_lambda_powertools import Logger

from digest.config import Settings
from digest.core import lifecycle
from digest.core.edition import site_key, version_key
from digest.core.edition_record import EditionRecord
from digest.core.lint import lint_email
from digest.core.schedule import late_reason
from digest.core.story import withdrawn_ids
from digest.ports import BlobStore, DeliveryGroupStore, EditionStore, Queue, StoryStore
from digest.ports_reader import SubscriberStore
from digest.services import delivery
from digest.services.delivery import Delivered, Plan

logger = Logger(child=True)

OMIT, HOLD = "omit", "hold"


@dataclass(frozen=True)
class SendWindow:
    """When the morning edition may go out: ``send_at`` local time plus ``minutes`` in ``zone``."""

    zone: str = "America/New_York"
    send_at: time = time(6, 0)
    minutes: int = 120


@dataclass(frozen=True)
class DispatchOptions:
    batch_size: int = 50
    require_approval: bool = False
    audio_policy: str = OMIT
    window: SendWindow | None = None  # None: an editor's explicit send, any time
    zone: str = "America/New_York"  # for readers who chose no zone
    send_hour: int = 6  # for readers who chose no hour

    @classmethod
    def from_settings(cls, s: Settings, scheduled: bool) -> DispatchOptions:
        """Only the schedule's trigger is bound to the send window."""
        window = SendWindow(s.edition_timezone, s.send_at, s.send_window_minutes) if scheduled else None
        return cls(s.send_batch_size, s.require_approval, s.audio_policy, window, s.edition_timezone, s.send_at.hour)


@dataclass(frozen=True)
class DispatchResult:
    edition_date: str
    recipients: int
    messages: int
    reason: str = ""
    variant: str = ""
    waiting: int = 0  # reader groups whose hour has not come yet


def dispatch(
    day: str,
    *,
    editions: EditionStore,
    subscribers: SubscriberStore,
    queue: Queue,
    blobs: BlobStore,
    options: DispatchOptions,
    now: datetime,
    publish: Callable[[EditionRecord], object] | None = None,
    stories: StoryStore | None = None,
    delivery_groups: DeliveryGroupStore | None = None,
) -> DispatchResult:
    """Queue the edition of ``day`` for every active subscriber group whose hour has come, in
    subscriber-id order within a group (without ``delivery_groups``: every reader at once).

    The same edition and list always give the same message bodies, so a re-run (or a resumed,
    half-done) dispatch queues the same work and the ledger makes the repeats no-ops. An edition
    holding a story whose stored status is withdrawn (``stories``) is held with the reason (a
    resumed dispatch queues nothing more). A sent edition's due groups are queued (see
    :func:`dispatch_groups`), with the lifecycle's refusal as the reason.
    """
    groups = delivery_groups
    record = editions.latest(day)
    if record is None:
        return DispatchResult(day, 0, 0, "no edition")
    sending = record
    if record.status == lifecycle.SENT and groups is not None:
        later = _later_groups(day, editions, subscribers, queue, blobs, options, now, stories, groups)
        return _with(DispatchResult(day, 0, 0, _refusal(record, options)), later)
    if record.status != lifecycle.SENDING:
        try:
            sending = record.moved(lifecycle.SEND, require_approval=options.require_approval)
        except lifecycle.IllegalTransition as refused:
            return DispatchResult(day, 0, 0, str(refused))
        late = options.window and late_reason(
            now, date.fromisoformat(day), options.window.zone, options.window.send_at, options.window.minutes
        )
        if late:
            return _hold(editions, record, late)
    withdrawn = withdrawn_ids(record.story_ids, stories.get) if stories is not None else []
    if withdrawn:
        reason = f"withdrawn by the agency: {', '.join(withdrawn)}; rebuild the edition without them"
        if record.status == lifecycle.SENDING:  # a resumed dispatch: nothing more is queued
            return DispatchResult(day, 0, 0, f"refused: {reason}")
        return _hold(editions, record, reason)
    variant, problems = _gate(record, blobs, options.audio_policy)
    if problems and record.status != lifecycle.SENDING:  # a resumed dispatch finishes what it began
        return _hold(editions, record, "; ".join(problems))
    if record.status != lifecycle.SENDING and not editions.set_status(sending, expected=record.status):
        return DispatchResult(day, 0, 0, "the edition changed while it was being checked: dispatch again")
    record = sending
    if publish is not None:
        publish(record)
    plan = Plan(day, record.version, variant, options.batch_size, options.zone, options.send_hour, newsroom_now=True)
    done = delivery.deliver(plan, subscribers=subscribers, queue=queue, groups=groups, now=now, blobs=blobs)
    editions.set_status(record.moved(lifecycle.FINISH), expected=lifecycle.SENDING)
    logger.info(
        "dispatched",
        extra={"edition_date": day, "recipients": done.recipients, "messages": done.messages, "variant": variant},
    )
    return DispatchResult(day, done.recipients, done.messages, variant=variant, waiting=done.waiting)


def dispatch_groups(
    day: str,
    *,
    editions: EditionStore,
    subscribers: SubscriberStore,
    queue: Queue,
    blobs: BlobStore,
    options: DispatchOptions,
    now: datetime,
    delivery_groups: DeliveryGroupStore,
    stories: StoryStore | None = None,
) -> DispatchResult:
    """The scheduled look every 15 minutes: queue the reader groups of the sent editions of
    ``day`` and the day before whose hour has come. It never starts sending an edition."""
    done = Delivered()
    for back in (1, 0):
        earlier = (date.fromisoformat(day) - timedelta(days=back)).isoformat()
        done += _later_groups(earlier, editions, subscribers, queue, blobs, options, now, stories, delivery_groups)
    return DispatchResult(day, done.recipients, done.messages, waiting=done.waiting)


def _later_groups(
    day: str,
    editions: EditionStore,
    subscribers: SubscriberStore,
    queue: Queue,
    blobs: BlobStore,
    options: DispatchOptions,
    now: datetime,
    stories: StoryStore | None,
    groups: DeliveryGroupStore,
) -> Delivered:
    """Queue the due groups of a sent edition, from its newest version (nothing when none is due)."""
    record = editions.latest(day)
    if record is None or record.status != lifecycle.SENT or not delivery.anything_due(groups, day, now):
        return Delivered()
    withdrawn = withdrawn_ids(record.story_ids, stories.get) if stories is not None else []
    if withdrawn:
        why = f"withdrawn by the agency: {', '.join(withdrawn)}; correct the edition without them"
        logger.warning("later groups wait", extra={"edition_date": day, "reason": why})
        return Delivered()
    plan = Plan(day, record.version, email_variant(record, blobs), options.batch_size, options.zone, options.send_hour)
    return delivery.deliver(plan, subscribers=subscribers, queue=queue, groups=groups, now=now, blobs=blobs)


def _refusal(record: EditionRecord, options: DispatchOptions) -> str:
    """Why the lifecycle refuses to send ``record`` ("" when it would not)."""
    try:
        record.moved(lifecycle.SEND, require_approval=options.require_approval)
    except lifecycle.IllegalTransition as refused:
        return str(refused)
    return ""


def _with(result: DispatchResult, more: Delivered) -> DispatchResult:
    recipients, messages = result.recipients + more.recipients, result.messages + more.messages
    return replace(result, recipients=recipients, messages=messages, waiting=result.waiting + more.waiting)


def batch_bodies(day: str, version: int, variant: str, ids: list[str], batch_size: int) -> list[str]:
    """The send queue's messages: one per ``batch_size`` subscriber ids (what ``Sender.send_message`` reads)."""
    return list(iter_batch_bodies(day, version, variant, ids, batch_size))


def iter_batch_bodies(day: str, version: int, variant: str, ids: list[str], batch_size: int) -> Iterator[str]:
    """``batch_bodies`` one at a time."""
    return delivery.iter_batch_bodies(day, version, variant, ids, batch_size)


def _hold(editions: EditionStore, record: EditionRecord, reason: str) -> DispatchResult:
    editions.set_status(record.moved(lifecycle.HOLD, reason=reason), expected=record.status)  # before sending: allowed
    logger.warning("edition held", extra={"edition_date": record.edition_date, "reason": reason})
    return DispatchResult(record.edition_date, 0, 0, f"held: {reason}")


def email_variant(record: EditionRecord, blobs: BlobStore) -> str:
    """Which email a version's readers get, the one rule for sends, re-sends, previews and test
    copies: ``email`` (with the Listen link) when its audio is ready and the file is there,
    otherwise ``email-noaudio``. The file checked is the version's own, kept privately until the
    send publishes it where the Listen link points."""
    audio_key = record.audio_key or site_key(record.edition_date, "edition.mp3")
    ready = record.audio_status in ("ready", "placeholder") and blobs.exists(audio_key)
    return "email" if ready else "email-noaudio"


def _gate(record: EditionRecord, blobs: BlobStore, audio_policy: str) -> tuple[str, list[str]]:
    """Which email variant to send, or the lint problems that hold the edition."""
    day, version = record.edition_date, record.version
    variant = email_variant(record, blobs)
    audio_ready = variant == "email"
    snapshot = json.loads(blobs.get(version_key(day, version, "edition.json")) or b"{}")
    if not audio_ready and audio_policy == HOLD:
        return variant, ["audio is not ready and the audio policy is to hold"]
    html = (blobs.get(version_key(day, version, f"{variant}.html")) or b"").decode("utf-8")
    text = (blobs.get(version_key(day, version, f"{variant}.txt")) or b"").decode("utf-8")
    issues = lint_email(
        html, text, audio_exists=lambda url: audio_ready, audio_url=snapshot.get("audio_url") if audio_ready else None
    )
    return variant, [f"{i.rule}: {i.detail}" for i in issues]
