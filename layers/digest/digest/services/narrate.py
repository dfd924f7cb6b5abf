"""Narrate: turn the latest version's SSML into audio, kept private until the edition is sent.

The MP3 of a script lives at ``audio_key(day, ssml)``, under the edition's private ``editions/``
prefix; publishing the web copy at send time copies it to the public site (``services.publish``).

Once per script: Polly tasks are billed and have no idempotency token, and the schedule invokes
this asynchronously, so Lambda retries a failed invocation. A version whose spoken text another
version of the day already narrated (or is narrating) takes that audio and starts nothing; an edit
that leaves the spoken text alone carries the audio into the new version (``carried_audio``), and
one that changes it is narrated afresh (``needs_narration``). Otherwise the version's narration is
claimed first (a conditional write, ``audio_status`` "starting"); a retry, or a second run, that
finds it claimed, pending or ready starts nothing. A claim is given back (status "failed") only
when certainly no task started: Polly answered with an error (re-raised, so the retry tries
again) or refused the request for good (too long, a voice the engine lacks: not re-raised, the
send-time audio policy applies). When the outcome is unknown (a timeout) the claim stays, so a
retry cannot start a second billed task; Polly's notices, if a task did start, still find it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from aws_lambda_powertools import Logger

from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.narration import audio_key
from digest.errors import NarrationError, NarrationRefused, NarrationUnknown, StorageError
from digest.ports import BlobStore, EditionStore, Narrator

logger = Logger(child=True)

STARTED = ("starting", "pending", "ready", "placeholder")
SHAREABLE = ("pending", "ready", "placeholder")  # audio another version of the same script may take
AUDIO_FIELDS = ("audio_key", "audio_status", "audio_seconds", "audio_bytes", "chapters")


def narrate(day: str, *, editions: EditionStore, blobs: BlobStore, narrator: Narrator) -> EditionRecord | None:
    """Start (or, locally, make) the audio of the edition of ``day``; ``None`` when there is no edition.

    Returns the version's record as it now stands (unchanged when its narration had started already).
    """
    record = editions.latest(day)
    if record is None:
        return None
    if record.audio_status in STARTED:
        logger.info(
            "already narrated",
            extra={"edition_date": day, "version": record.version, "audio_status": record.audio_status},
        )
        return record
    ssml = blobs.get(version_key(day, record.version, "edition.ssml"))
    if ssml is None:
        raise StorageError(f"edition {day} v{record.version} has no SSML script")
    key = audio_key(day, ssml.decode("utf-8"))
    donor = _same_script(editions.versions(day), record, key, blobs)
    if not editions.claim_audio(record):  # another invocation got there first
        return editions.get(day, record.version) or record
    if donor is not None:
        return _reuse(record, donor, editions)
    record = replace(record, audio_key=key, audio_status="starting")
    editions.set_audio_fields(record, "audio_key", if_status="starting")  # before any notice can name it
    try:
        narration = narrator.narrate(ssml.decode("utf-8"), key)
    except NarrationRefused as exc:
        failed = replace(record, audio_status="failed")
        editions.set_audio_fields(failed, "audio_status")
        logger.error("narration refused", extra={"edition_date": day, "version": record.version, "reason": str(exc)})
        return failed
    except NarrationUnknown as exc:
        logger.error("narration may have started; not retried", extra={"edition_date": day, "reason": str(exc)})
        return record
    except NarrationError:
        editions.set_audio_fields(replace(record, audio_status="failed"), "audio_status")
        raise
    updated = replace(
        record,
        audio_status=narration.status,
        audio_seconds=narration.duration_seconds,
        audio_bytes=narration.size_bytes,
    )
    fields = ["audio_status", "audio_seconds", "audio_bytes"]
    if narration.status != "pending":  # a pending narration's chapters come with its notices
        updated, fields = replace(updated, chapters=narration.chapters), [*fields, "chapters"]
    if not editions.set_audio_fields(updated, *fields, if_status="starting"):
        # Polly's notices were quicker than this write: they already set the outcome.
        return editions.get(day, record.version) or updated
    logger.info("narration", extra={"edition_date": day, "version": record.version, "audio_status": narration.status})
    return updated


def carried_audio(previous: EditionRecord | None, ssml: str, blobs: BlobStore) -> dict[str, Any]:
    """The audio fields a new version built after ``previous`` starts with: ``previous``'s, when
    its narration has started and the new spoken text ``ssml`` is the one it narrates; else none."""
    if previous is None or previous.audio_status not in STARTED:
        return {}
    if previous.audio_key != audio_key(previous.edition_date, ssml):  # also a key from before keys named scripts
        spoken = blobs.get(version_key(previous.edition_date, previous.version, "edition.ssml"))
        if spoken != ssml.encode("utf-8"):
            return {}
    return {name: getattr(previous, name) for name in AUDIO_FIELDS}


def needs_narration(versions: Iterable[EditionRecord], record: EditionRecord) -> bool:
    """Whether the new version ``record`` must be narrated now: it did not carry audio over, and
    the day's narration had begun (some version of the day was narrated, by the schedule or a
    rebuild); before that, the narrate schedule narrates whatever version is then the latest."""
    return record.audio_status == "none" and any(v.audio_status != "none" for v in versions)


def follow_shared(editions: EditionStore, record: EditionRecord, source: EditionRecord) -> EditionRecord:
    """After ``record`` took ``source``'s audio while it was still coming: whatever ``source``'s
    notices wrote meanwhile (status, length, chapters) is copied over, so neither misses it."""
    now = editions.get(source.edition_date, source.version)
    if now is None or now.audio_key != record.audio_key:
        return record
    if (now.audio_status, now.chapters, now.audio_seconds) == (
        record.audio_status,
        record.chapters,
        record.audio_seconds,
    ):
        return record
    moved = replace(record, **{name: getattr(now, name) for name in AUDIO_FIELDS})
    editions.set_audio_fields(moved, *AUDIO_FIELDS, if_status=record.audio_status)
    return moved


def _same_script(
    versions: list[EditionRecord], record: EditionRecord, key: str, blobs: BlobStore
) -> EditionRecord | None:
    """Another version of the day whose audio is this script's, ready (its MP3 there) or pending."""
    found = [v for v in versions if v.version != record.version and v.audio_key == key and v.audio_status in SHAREABLE]
    found.sort(key=lambda v: (v.audio_status != "pending", v.version), reverse=True)  # ready first, newest first
    for version in found:
        if version.audio_status == "pending" or blobs.exists(key):
            return version
    return None


def _reuse(record: EditionRecord, donor: EditionRecord, editions: EditionStore) -> EditionRecord:
    shared = replace(record, **{name: getattr(donor, name) for name in AUDIO_FIELDS})
    editions.set_audio_fields(shared, *AUDIO_FIELDS, if_status="starting")
    logger.info(
        "narration reused",
        extra={"edition_date": record.edition_date, "version": record.version, "from_version": donor.version},
    )
    return follow_shared(editions, shared, donor) if donor.audio_status == "pending" else shared
