"""Narrate: turn the latest version's SSML into audio at the edition's public audio key."""

from __future__ import annotations

from dataclasses import replace

from aws_lambda_powertools import Logger

from digest.core.edition import site_key, version_key
from digest.errors import StorageError
from digest.ports import BlobStore, EditionRecord, EditionStore, Narrator

logger = Logger(child=True)


def narrate(day: str, *, editions: EditionStore, blobs: BlobStore, narrator: Narrator) -> EditionRecord | None:
    """Start (or, locally, make) the audio of the edition of ``day``; ``None`` when there is no edition."""
    record = editions.latest(day)
    if record is None:
        return None
    ssml = blobs.get(version_key(day, record.version, "edition.ssml"))
    if ssml is None:
        raise StorageError(f"edition {day} v{record.version} has no SSML script")
    key = site_key(day, "edition.mp3")
    narration = narrator.narrate(ssml.decode("utf-8"), key)
    updated = replace(record, audio_key=key, audio_status=narration.status, audio_seconds=narration.duration_seconds,
                      audio_bytes=narration.size_bytes, chapters=narration.chapters)
    editions.set_audio(updated)
    logger.info("narration", extra={"edition_date": day, "version": record.version, "audio_status": narration.status})
    return updated
