"""In-memory fakes of the ports in ``digest.ports`` and ``digest.ports_reader`` for service tests.

Plain classes over dicts. They keep the semantics the DynamoDB/S3/SES adapters promise:
``Ledger.claim`` is a conditional put (refuses an existing pair), ``Ledger.release`` only drops a
``claimed`` record, ``EditionStore.add`` refuses an existing version, ``SubscriberStore.set_status``
reports a missing subscriber.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from threading import Lock

from digest.core.delivery_groups import GroupMark
from digest.core.edition_record import EditionRecord
from digest.core.fetch import FeedState
from digest.core.reads import ReadTally
from digest.core.story import NEW, SAME, UPDATED, Story, supersedes
from digest.core.subscriber import CLAIMED, Delivery, Subscriber
from digest.errors import MailError, MailRejected, MailThrottled


class FakeClock:
    def __init__(self, when: datetime | None = None) -> None:
        self.when = when or datetime(2026, 11, 28, 11, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.when


class FakeEditionStore:
    def __init__(self) -> None:
        self.records: dict[tuple[str, int], EditionRecord] = {}

    def latest(self, edition_date: str) -> EditionRecord | None:
        versions = [r for (d, _), r in self.records.items() if d == edition_date]
        return max(versions, key=lambda r: r.version, default=None)

    def get(self, edition_date: str, version: int) -> EditionRecord | None:
        return self.records.get((edition_date, version))

    def versions(self, edition_date: str) -> list[EditionRecord]:
        return sorted((r for (d, _), r in self.records.items() if d == edition_date), key=lambda r: r.version)

    def add(self, record: EditionRecord) -> bool:
        key = (record.edition_date, record.version)
        if key in self.records:
            return False
        self.records[key] = record
        return True

    def update(self, record: EditionRecord) -> None:
        self.records[(record.edition_date, record.version)] = record

    def set_audio(self, record: EditionRecord) -> None:
        key = (record.edition_date, record.version)
        self.records[key] = replace(
            self.records[key],
            **{
                k: getattr(record, k) for k in ("audio_key", "audio_status", "audio_seconds", "audio_bytes", "chapters")
            },
        )

    def set_audio_fields(self, record: EditionRecord, *names: str, if_status: str = "") -> bool:
        assert names and set(names) <= {"audio_key", "audio_status", "audio_seconds", "audio_bytes", "chapters"}
        key = (record.edition_date, record.version)
        if key not in self.records or (if_status and self.records[key].audio_status != if_status):
            return False  # like an update conditioned on the item (and its audio status)
        self.records[key] = replace(self.records[key], **{k: getattr(record, k) for k in names})
        return True

    def claim_audio(self, record: EditionRecord) -> bool:
        key = (record.edition_date, record.version)
        if key not in self.records or self.records[key].audio_status not in ("none", "failed"):
            return False
        self.records[key] = replace(self.records[key], audio_status="starting")
        return True

    def set_status(self, record: EditionRecord, expected: str) -> bool:
        key = (record.edition_date, record.version)
        if self.records[key].status != expected:  # like a conditional update
            return False
        self.records[key] = replace(self.records[key], status=record.status, reason=record.reason)
        return True


class FakeStoryStore:
    """Stories by id with the DynamoDB adapter's rule (``core.story.supersedes``): new, updated or same."""

    def __init__(self) -> None:
        self.stories: dict[str, Story] = {}

    def save(self, story: Story) -> str:
        stored = self.stories.get(story.story_id)
        if stored is not None and not supersedes(stored, story):
            return SAME
        self.stories[story.story_id] = story
        return NEW if stored is None else UPDATED

    def get(self, story_id: str) -> Story | None:
        return self.stories.get(story_id)

    def between(self, start: datetime, end: datetime, as_of: datetime | None = None) -> list[Story]:
        return sorted((s for s in self.stories.values() if start <= s.published < end), key=lambda s: s.story_id)


class FakeFeedState:
    def __init__(self) -> None:
        self.states: dict[str, FeedState] = {}

    def get(self, source: str) -> FeedState | None:
        return self.states.get(source)

    def put(self, state: FeedState) -> None:
        self.states[state.source] = state


class FakeBlobStore:
    def __init__(self) -> None:
        self.blobs: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.blobs[key] = (bytes(data), content_type)

    def get(self, key: str) -> bytes | None:
        found = self.blobs.get(key)
        return None if found is None else found[0]

    def delete(self, key: str) -> None:
        self.blobs.pop(key, None)

    def exists(self, key: str) -> bool:
        return key in self.blobs


class FakeDownloads:
    """Offered files by URL: ``files[url]`` is ``(name, data, content_type, seconds)``."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[str, bytes, str, int]] = {}

    def offer(self, name: str, data: bytes, content_type: str, seconds: int) -> str:
        url = f"https://downloads.invalid/{len(self.files)}/{name}"
        self.files[url] = (name, bytes(data), content_type, seconds)
        return url

    def text(self, url: str) -> str:
        return self.files[url][1].decode("utf-8")


class FakeSubscriberStore:
    """Subscriber records; a legacy id's alias (``MOVED``) is followed one hop, as the adapter does.
    With ``clock``, ``set_status`` stamps ``updated_at`` as the adapter does."""

    def __init__(self, subscribers: list[Subscriber] = (), clock: FakeClock | None = None) -> None:
        self.subscribers: dict[str, Subscriber] = {s.subscriber_id: s for s in subscribers}
        self.clock = clock

    def _id(self, subscriber_id: str) -> str:
        found = self.subscribers.get(subscriber_id)
        return found.moved_to if found is not None and found.moved_to else subscriber_id

    def move(self, record: Subscriber, alias: Subscriber, read: Subscriber) -> bool:
        """Both writes or neither (the adapter's transaction)."""
        old = self.subscribers.get(alias.subscriber_id)
        if record.subscriber_id in self.subscribers or old is None:
            return False
        if (old.status, old.updated_at) != (read.status, read.updated_at):
            return False
        self.subscribers[record.subscriber_id], self.subscribers[alias.subscriber_id] = record, alias
        return True

    def put(self, subscriber: Subscriber) -> None:
        self.subscribers[subscriber.subscriber_id] = subscriber

    def get(self, subscriber_id: str) -> Subscriber | None:
        return self.subscribers.get(self._id(subscriber_id))

    def with_status(self, status: str) -> Iterator[Subscriber]:
        return iter([s for s in self.subscribers.values() if s.status == status])

    def add(self, subscriber: Subscriber) -> bool:
        if subscriber.subscriber_id in self.subscribers:  # like a put with attribute_not_exists
            return False
        self.subscribers[subscriber.subscriber_id] = subscriber
        return True

    def update(
        self,
        subscriber_id: str,
        changes: dict[str, object],
        expected: Iterable[str],
        unchanged_since: str | None = None,
    ) -> bool:
        """SET on the named fields only, while the stored status is expected (and unchanged)."""
        if "subscriber_id" in changes or set(changes) - set(Subscriber.__dataclass_fields__):
            raise ValueError(f"not a subscriber field that can change: {sorted(changes)}")
        subscriber_id = self._id(subscriber_id)
        current = self.subscribers.get(subscriber_id)
        if current is None or not changes or current.status not in tuple(expected):
            return False
        if unchanged_since is not None and current.updated_at != unchanged_since:
            return False
        self.subscribers[subscriber_id] = replace(current, **changes)  # type: ignore[arg-type]
        return True

    def set_status(
        self, subscriber_id: str, status: str, reason: str = "", expected: Iterable[str] | None = None
    ) -> bool:
        subscriber_id = self._id(subscriber_id)
        current = self.subscribers.get(subscriber_id)
        if current is None or (expected is not None and current.status not in tuple(expected)):
            return False
        stamp = {"updated_at": self.clock.now().isoformat()} if self.clock is not None else {}
        self.subscribers[subscriber_id] = replace(current, status=status, reason=reason, **stamp)
        return True

    def every(self) -> Iterator[Subscriber]:
        return iter(list(self.subscribers.values()))

    def delete(self, subscriber_id: str, expected: Iterable[str]) -> bool:
        current = self.subscribers.get(subscriber_id)
        if current is None or current.status not in tuple(expected):
            return False
        del self.subscribers[subscriber_id]
        return True


class FakeLedger:
    """The ledger's conditional writes: claim (put if absent), mark (optionally compare-and-set on
    the stored state, detail and owner), release (delete if in ``state``, and owned by ``owner``).
    Record times come from ``clock`` (the store's own; the real time when none is given)."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.records: dict[tuple[str, str], Delivery] = {}
        self.claims: list[tuple[str, str]] = []  # every successful claim, in order
        self.clock = clock

    def _now(self) -> str:
        return self.clock.now().isoformat() if self.clock is not None else _now()

    def claim(self, edition_id: str, subscriber_id: str, owner: str = "") -> bool:
        key = (edition_id, subscriber_id)
        if key in self.records:  # like a put with attribute_not_exists
            return False
        self.records[key] = Delivery(edition_id, subscriber_id, CLAIMED, updated_at=self._now(), owner=owner)
        self.claims.append(key)
        return True

    def get(self, edition_id: str, subscriber_id: str) -> Delivery | None:
        return self.records.get((edition_id, subscriber_id))

    def mark(
        self,
        edition_id: str,
        subscriber_id: str,
        state: str,
        message_id: str = "",
        detail: str = "",
        *,
        if_current: Delivery | None = None,
        if_absent: bool = False,
    ) -> bool:
        key = (edition_id, subscriber_id)
        stored = self.records.get(key)
        if if_absent and stored is not None:
            return False
        if if_current is not None and not _same_version(stored, if_current):
            return False
        self.records[key] = Delivery(edition_id, subscriber_id, state, message_id, detail, self._now())
        return True

    def for_edition(self, edition_id: str) -> Iterator[Delivery]:
        return iter([d for (e, _), d in sorted(self.records.items()) if e == edition_id])

    def release(self, edition_id: str, subscriber_id: str, state: str = CLAIMED, owner: str | None = None) -> None:
        key = (edition_id, subscriber_id)
        found = self.records.get(key)
        if found is not None and found.state == state and (owner is None or found.owner == owner):
            del self.records[key]  # conditional delete

    def state(self, edition_id: str, subscriber_id: str) -> str | None:
        found = self.records.get((edition_id, subscriber_id))
        return None if found is None else found.state


def _same_version(stored: Delivery | None, expected: Delivery) -> bool:
    """What the DynamoDB condition compares: state, detail and (for a claim) owner."""
    return (
        stored is not None
        and stored.state == expected.state
        and stored.detail == expected.detail
        and stored.owner == expected.owner
    )


@dataclass
class Sent:
    raw: bytes
    recipient: str
    tags: dict[str, str]
    message_id: str


class MailerBoom(MailError):
    """A failure that says nothing about whether the message was accepted (timeout, 500...): the
    SES adapter raises a plain ``MailError`` for these."""


@dataclass
class FakeMailer:
    """Records every accepted message; can be told to fail for given recipients.

    ``faults`` maps a recipient address to ``"throttle"``, ``"reject"`` or ``"boom"``; a fault
    fires on every attempt until it is removed (``heal``) or ``times`` runs out.
    """

    faults: dict[str, str] = field(default_factory=dict)
    times: dict[str, int] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)

    def fail(self, recipient: str, kind: str, times: int | None = None) -> None:
        assert kind in {"throttle", "reject", "boom"}
        self.faults[recipient] = kind
        if times is not None:
            self.times[recipient] = times

    def heal(self, recipient: str) -> None:
        self.faults.pop(recipient, None)
        self.times.pop(recipient, None)

    def send_raw(self, raw: bytes, recipient: str, tags: dict[str, str]) -> str:
        self.attempts.append(recipient)
        kind = self.faults.get(recipient)
        if kind is not None:
            if recipient in self.times:
                self.times[recipient] -= 1
                if self.times[recipient] <= 0:
                    self.heal(recipient)
            if kind == "throttle":
                raise MailThrottled("Maximum sending rate exceeded")
            if kind == "reject":
                raise MailRejected(f"Address blacklisted: {recipient}")
            raise MailerBoom("connection reset while waiting for SES")
        message_id = f"ses-{len(self.sent) + 1:06d}"
        self.sent.append(Sent(bytes(raw), recipient, dict(tags), message_id))
        return message_id

    def recipients(self) -> list[str]:
        return [s.recipient for s in self.sent]


class FakeGroups:
    """Delivery-group marks: a put conditioned on the stored mark's state and time (absent: None)."""

    def __init__(self) -> None:
        self.marks: dict[tuple[str, str], GroupMark] = {}

    def for_day(self, day: str) -> list[GroupMark]:
        return [m for (d, _), m in sorted(self.marks.items()) if d == day]

    def put(self, mark: GroupMark, expected: GroupMark | None) -> bool:
        stored = self.marks.get((mark.day, mark.key))
        if (stored is None) != (expected is None):
            return False
        if stored is not None and expected is not None and (stored.state, stored.at) != (expected.state, expected.at):
            return False
        self.marks[(mark.day, mark.key)] = mark
        return True


class FakeReadCounts:
    """Read counts: per edition opens and clicks, per story clicks (the adapter's ``ADD``s)."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}
        self.lock = Lock()  # each count atomic, as an UpdateItem ADD is

    def add(self, day: str, kind: str, story: str | None = None) -> None:
        if kind not in ("open", "click"):
            raise ValueError(f"unknown read kind {kind!r}")
        with self.lock:
            self.counts[(day, kind)] = self.counts.get((day, kind), 0) + 1
            if kind == "click" and story:
                self.counts[(day, "story#" + story)] = self.counts.get((day, "story#" + story), 0) + 1

    def tally(self, day: str) -> ReadTally:
        stories = {k[6:]: n for (d, k), n in self.counts.items() if d == day and k.startswith("story#")}
        return ReadTally(self.counts.get((day, "open"), 0), self.counts.get((day, "click"), 0), stories)


class FakeSignupCounters:
    """Sign-up counters: ``take`` counts unless the limit is reached (the adapter's conditional
    ADD), ``give_back`` uncounts down to zero."""

    def __init__(self) -> None:
        self.uses: dict[str, int] = {}
        self.expires: dict[str, int] = {}

    def take(self, key: str, limit: int, expires_at: int) -> bool:
        if self.uses.get(key, 0) >= limit:
            return False
        self.uses[key] = self.uses.get(key, 0) + 1
        self.expires[key] = expires_at
        return True

    def give_back(self, key: str) -> None:
        if self.uses.get(key, 0) > 0:
            self.uses[key] -= 1


def _now() -> str:
    """Ledger times are the store's own (real) clock, as with DynamoDB."""
    return datetime.now(UTC).isoformat()
