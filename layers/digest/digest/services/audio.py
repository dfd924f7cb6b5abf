"""Audio ready: Polly's completion notices for the edition's MP3 and its speech marks.

Polly names each output ``<OutputS3KeyPrefix>.<TaskId>.mp3`` (speech marks: ``.marks``) and
says where in the notice's ``outputUri``; the key is read from there, never rebuilt. Only keys
under ``polly/<day>/`` (where the narrator asks Polly to write) are accepted.

The two tasks finish in either order, seconds apart, and SNS invokes this handler for both at
once. Each notice writes only its own fields: the marks notice the ``chapters``, the MP3 notice
the MP3 (to a pending key) and then the audio status, length and size; neither writes the
other's. Each then publishes if it has both halves, and checks after publishing that the chapters
it tagged are still the stored ones (re-publishing if the marks arrived meanwhile). Whoever
publishes last has therefore seen the final chapters, so the published MP3 never lacks them.

A failed MP3 task marks the audio failed, so the send-time policy applies (send without the
Listen link, or hold); a failed marks task leaves an MP3 without chapters.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any
from urllib.parse import unquote, urlsplit

from aws_lambda_powertools import Logger

from digest.core.edition import site_key, version_key
from digest.core.edition_record import EditionRecord
from digest.core.snapshot import edition_from_json
from digest.core.speech import chapters_from_marks
from digest.errors import DigestError, StorageError
from digest.ports import AudioTagger, BlobStore, EditionStore

logger = Logger(child=True)

_OUTPUT = re.compile(r"polly/(\d{4}-\d{2}-\d{2})/[^/]+\.(mp3|marks)")
_ATTEMPTS = 4


def output_key(uri: str) -> str | None:
    """The S3 key in a Polly ``outputUri``: ``https://s3.<region>.amazonaws.com/<bucket>/<key>``
    (the documented form), a virtual-hosted ``https://<bucket>.s3.<region>.amazonaws.com/<key>``,
    or ``s3://<bucket>/<key>``; None for anything else.

    Examples
    --------
    >>> output_key("https://s3.us-east-1.amazonaws.com/archive/polly/2026-11-28/audio.3f1c.mp3")
    'polly/2026-11-28/audio.3f1c.mp3'
    >>> output_key("s3://archive/polly/2026-11-28/marks.3f1c.marks")
    'polly/2026-11-28/marks.3f1c.marks'
    >>> output_key("https://example.com/x.mp3") is None
    True
    """
    if not isinstance(uri, str):
        return None
    parts = urlsplit(uri.strip())
    host, path = parts.netloc.lower(), unquote(parts.path).lstrip("/")
    if parts.scheme == "s3" and host:
        return path or None
    if parts.scheme != "https" or not host.endswith(".amazonaws.com"):
        return None
    if host.startswith(("s3.", "s3-")):  # path style: the bucket is the first path segment
        _, _, key = path.partition("/")
        return key or None
    if ".s3." in host or ".s3-" in host:  # virtual-hosted style: the bucket is in the host
        return path or None
    return None


def audio_ready(notice: Any, *, editions: EditionStore, blobs: BlobStore, tagger: AudioTagger) -> str:
    """Handle one Polly task notification (the SNS message body); returns what was done."""
    try:
        task = json.loads(notice) if isinstance(notice, str) else dict(notice)
        status = str(task["taskStatus"]).lower()
        found = _OUTPUT.fullmatch(output_key(str(task.get("outputUri") or "")) or "")
    except (TypeError, ValueError, KeyError):
        return "malformed"
    if not found:
        return "malformed"
    key, day, is_marks = found.group(0), found.group(1), found.group(2) == "marks"
    record = editions.latest(day)
    if record is None:
        return "no edition"
    if status != "completed" and is_marks:
        return "marks failed"  # the audio stands without chapters
    if status != "completed":
        editions.set_audio_fields(replace(record, audio_status="failed"), "audio_status")
        logger.warning(
            "narration failed",
            extra={
                "edition_date": day,
                "task": task.get("taskId"),
                "reason": str(task.get("taskStatusReason", ""))[:300],
            },
        )
        return "failed"
    data = blobs.get(key)
    if not data:
        return "missing output"
    if is_marks:
        editions.set_audio_fields(replace(record, chapters=tuple(chapters_from_marks(data))), "chapters")
        mp3 = blobs.get(_pending_mp3(day))
        if mp3 is None:
            return "marks stored"  # the MP3 notice publishes them
    else:
        blobs.put(_pending_mp3(day), data, "audio/mpeg")  # before reading the chapters (see above)
        mp3 = data
    return _publish(day, mp3, editions=editions, blobs=blobs, tagger=tagger)


def _publish(day: str, mp3: bytes, *, editions: EditionStore, blobs: BlobStore, tagger: AudioTagger) -> str:
    try:
        seconds = tagger.duration(mp3)
    except DigestError:
        record = editions.latest(day)
        if record is not None:
            editions.set_audio_fields(replace(record, audio_status="failed"), "audio_status")
        return "not an mp3"
    record = editions.latest(day)
    for _ in range(_ATTEMPTS):
        if record is None:
            return "no edition"
        tagged = _tagged(day, mp3, seconds, record, blobs, tagger)
        blobs.put(site_key(day, "edition.mp3"), tagged, "audio/mpeg")
        now = editions.latest(day)  # after the put: did the marks arrive while we tagged?
        if now is not None and now.version == record.version and now.chapters != record.chapters:
            record = now
            continue
        done = replace(record, audio_status="ready", audio_seconds=seconds, audio_bytes=len(tagged))
        editions.set_audio_fields(done, "audio_status", "audio_seconds", "audio_bytes")
        logger.info(
            "audio ready", extra={"edition_date": day, "seconds": round(seconds, 1), "chapters": len(record.chapters)}
        )
        return "ready"
    raise StorageError(f"the chapters of {day} kept changing while the audio was published")


def _tagged(
    day: str, mp3: bytes, seconds: float, record: EditionRecord, blobs: BlobStore, tagger: AudioTagger
) -> bytes:
    if not record.chapters:
        return mp3
    snapshot = blobs.get(version_key(day, record.version, "edition.json"))
    titles = {s.anchor: s.headline for s in edition_from_json(snapshot).all_stories} if snapshot else {}
    chapters = [(anchor, start, titles.get(anchor, anchor)) for anchor, start in record.chapters]
    return tagger.with_chapters(mp3, chapters, seconds, f"Morning Digest {day}")


def _pending_mp3(day: str) -> str:
    return f"polly/{day}/pending.mp3"
