"""The interfaces services depend on (Protocols only). Adapters implement them for AWS; tests implement fakes.

The records they carry live in core (``digest.core.edition_record``, ``audit``, ``fetch``, ``narration``).
The reader side's (subscribers, sign-up counters, read counts) are in ``digest.ports_reader``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Protocol

from digest.core.audit import ActionRecord, AuditEntry
from digest.core.delivery_groups import GroupMark
from digest.core.edition_record import EditionRecord
from digest.core.fetch import FeedState, Fetched
from digest.core.narration import Narration
from digest.core.story import Story
from digest.core.subscriber import Delivery


class FeedStateStore(Protocol):
    def get(self, source: str) -> FeedState | None: ...

    def put(self, state: FeedState) -> None: ...


class AuditTrail(Protocol):
    def record(self, entry: AuditEntry) -> None: ...

    def for_edition(self, edition_date: str) -> list[AuditEntry]: ...


class ActionStore(Protocol):
    def create(self, record: ActionRecord) -> None: ...

    def get(self, action_id: str) -> ActionRecord | None: ...

    def claim(self, action_id: str, at: str, deadline: str) -> bool:
        """Move a queued action to running; False when it is not queued (already taken)."""

    def finish(self, record: ActionRecord) -> None:
        """Store the final state, result and reason of ``record``."""


class ActionStarter(Protocol):
    def start(self, event: dict) -> None:
        """Hand ``event`` to the worker without waiting for it (raises InvokeError when it cannot)."""


class Fetcher(Protocol):
    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class StoryStore(Protocol):
    def save(self, story: Story) -> str:
        """Store a story: NEW when its id was unknown, UPDATED when this is a newer version or
        changed copy or status of a stored story, SAME when nothing changed (or it is older)."""

    def get(self, story_id: str) -> Story | None: ...

    def between(self, start: datetime, end: datetime, as_of: datetime | None = None) -> list[Story]:
        """Stories published in [start, end); with ``as_of``, each in the version that was
        current at that instant (a story first stored later comes in its first stored version;
        a withdrawn one stays withdrawn)."""


class EditionStore(Protocol):
    def latest(self, edition_date: str) -> EditionRecord | None: ...

    def get(self, edition_date: str, version: int) -> EditionRecord | None: ...

    def versions(self, edition_date: str) -> list[EditionRecord]:
        """Every version of the day's edition, oldest first."""

    def add(self, record: EditionRecord) -> bool:
        """Store a new version; False when that version already exists."""

    def update(self, record: EditionRecord) -> None:
        """Overwrite a version (tests and tools; services use the two narrow writes below)."""

    def set_audio(self, record: EditionRecord) -> None:
        """Write only the audio fields of ``record``'s version (never its status)."""

    def set_audio_fields(self, record: EditionRecord, *names: str, if_status: str = "") -> bool:
        """Write only the named audio fields (``audio_key``, ``audio_status``, ``audio_seconds``,
        ``audio_bytes``, ``chapters``) of ``record``'s version, if that version exists (and, with
        ``if_status``, its stored ``audio_status`` is that): concurrent writers of other fields (the
        MP3 and the speech-marks notices) keep theirs. False when nothing was written."""

    def claim_audio(self, record: EditionRecord) -> bool:
        """Mark ``record``'s version's narration as started (``audio_status`` "starting") if none was
        started for it (status "none" or "failed"); False when one was (a retry must not start another)."""

    def set_status(self, record: EditionRecord, expected: str) -> bool:
        """Write ``record``'s status and reason if the stored status is still ``expected``."""


class BlobStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object at ``key``; a missing one is no error."""
        ...


class Downloads(Protocol):
    def offer(self, name: str, data: bytes, content_type: str, seconds: int) -> str:
        """Keep ``data`` as a private file downloaded under the name ``name``; a URL that fetches
        it for ``seconds`` (no other credential needed), after which it refuses."""
        ...


class Ledger(Protocol):
    def claim(self, edition_id: str, subscriber_id: str, owner: str = "") -> bool:
        """Record the intent to send (a ``claimed`` record owned by ``owner``, one send attempt's
        token); False when a record for the pair already exists (it may be this owner's own claim
        whose reply was lost: read it)."""

    def get(self, edition_id: str, subscriber_id: str) -> Delivery | None: ...

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
        """Write the record. With ``if_current``, only while the stored record still has that
        record's state, detail and owner (compare-and-set: a concurrent writer wins and False is
        returned); with ``if_absent``, only when there is none. Unconditional otherwise (True)."""

    def for_edition(self, edition_id: str) -> Iterator[Delivery]:
        """Every delivery record of one edition (for status, counts and re-sends)."""

    def release(self, edition_id: str, subscriber_id: str, state: str = "claimed", owner: str | None = None) -> None:
        """Drop a record in ``state`` (and, with ``owner``, only that owner's claim): a claim whose
        send certainly did not happen (SES throttled it), or a failed delivery an editor re-sends."""


class DeliveryGroupStore(Protocol):
    """Each (time zone, hour) group's progress through one edition (``digest.core.delivery_groups``)."""

    def for_day(self, day: str) -> list[GroupMark]: ...

    def put(self, mark: GroupMark, expected: GroupMark | None) -> bool:
        """Write ``mark`` while its group's stored mark is ``expected`` (None: none yet); else False."""


class SiteCache(Protocol):
    """The public site's CDN (CloudFront), which keeps copies of published objects."""

    def invalidate(self, paths: Iterable[str], reference: str) -> str:
        """Forget the cached copies of ``paths`` (site URL paths, ``*`` allowed at the end).
        ``reference`` identifies the request: the same one twice is one invalidation.
        Returns the invalidation's id ("" when there was nothing to do)."""


class SendingSwitch(Protocol):
    """The operator's (and the reputation alarms') brake on sending."""

    def paused(self) -> str | None:
        """Why sending is paused, or None when it may go on."""

    def pause(self, reason: str) -> None: ...

    def resume(self) -> None: ...


class Queue(Protocol):
    def send(self, bodies: Iterable[str]) -> int:
        """Enqueue message bodies; returns how many were sent."""


class DelayQueue(Protocol):
    """The send queue, for work that must wait (new messages: waiting never counts toward the DLQ)."""

    def send_later(self, bodies: Iterable[str], delay_seconds: int) -> int:
        """Enqueue ``bodies`` visible after ``delay_seconds`` (0-900); raises StorageError when not all were."""


class Mailer(Protocol):
    def send_raw(self, raw: bytes, recipient: str, tags: dict[str, str]) -> str:
        """Send one raw MIME message; returns the provider's message id."""

    def max_send_rate(self) -> float:
        """The account's maximum send rate (emails per second); ``MailError`` when it cannot be had."""


class AudioTagger(Protocol):
    def duration(self, mp3: bytes) -> float:
        """Length in seconds; raises DigestError when the bytes are not a playable MP3."""

    def with_chapters(self, mp3: bytes, chapters: list[tuple[str, float, str]], duration: float, title: str) -> bytes:
        """The MP3 with ID3 chapters (anchor, start seconds, title)."""


class Narrator(Protocol):
    def narrate(self, ssml: str, key: str) -> Narration:
        """Produce (or start producing) audio for ``ssml`` at blob ``key``."""
