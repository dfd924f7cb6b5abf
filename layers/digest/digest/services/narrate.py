"""Narrate: turn the latest version's SSML into audio at the edition's public audio key.

Once per edition version: Polly tasks are billed and have no idempotency token, and the schedule
invokes this asynchronously, so Lambda retries a failed invocation. The version's narration is
claimed first (a conditional write, ``audio_status`` "starting"); a retry, or a second run, that
finds it claimed, pending or ready starts nothing. A claim is given back (status "failed") only
when certainly no task started: Polly answered with an error (re-raised, so the retry tries
again) or refused the request for good (too long, a voice the engine lacks: not re-raised, the
send-time audio policy applies). When the outcome is unknown (a timeout) the claim stays, so a
retry cannot start a second billed task; a rebuild (a new version) narrates afresh.
"""

from __future__ import annotations

from dataclasses import replace

from aws_lambda_powertools import Logger

from digest.core.edition import site_key, version_key
from digest.core.edition_record import EditionRecord
from digest.errors import NarrationError, NarrationRefused, NarrationUnknown, StorageError
from digest.ports import BlobStore, EditionStore, Narrator

logger = Logger(child=True)

STARTED = ("starting", "pending", "ready", "placeholder")


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
    if not editions.claim_audio(record):  # another invocation got there first
        return editions.get(day, record.version) or record
    key = site_key(day, "edition.mp3")
    try:
        narration = narrator.narrate(ssml.decode("utf-8"), key)
    except NarrationRefused as exc:
        failed = replace(record, audio_key=key, audio_status="failed")
        editions.set_audio_fields(failed, "audio_key", "audio_status")
        logger.error("narration refused", extra={"edition_date": day, "version": record.version, "reason": str(exc)})
        return failed
    except NarrationUnknown as exc:
        logger.error("narration may have started; not retried", extra={"edition_date": day, "reason": str(exc)})
        return replace(record, audio_key=key, audio_status="starting")
    except NarrationError:
        editions.set_audio_fields(replace(record, audio_status="failed"), "audio_status")
        raise
    updated = replace(
        record,
        audio_key=key,
        audio_status=narration.status,
        audio_seconds=narration.duration_seconds,
        audio_bytes=narration.size_bytes,
    )
    fields = ["audio_key", "audio_status", "audio_seconds", "audio_bytes"]
    if narration.status != "pending":  # a pending narration's chapters come with its notices
        updated, fields = replace(updated, chapters=narration.chapters), [*fields, "chapters"]
    if not editions.set_audio_fields(updated, *fields, if_status="starting"):
        # Polly's notices were quicker than this write: they already set the outcome.
        return editions.get(day, record.version) or updated
    logger.info("narration", extra={"edition_date": day, "version": record.version, "audio_status": narration.status})
    return updated
