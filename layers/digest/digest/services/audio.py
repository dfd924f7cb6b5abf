"""Audio ready: Polly's completion notices for the edition's MP3 and its speech marks.

The two tasks finish in either order. The MP3 is verified (it must decode), tagged with one
ID3 chapter per story when the marks are known, and published at the edition's audio key; the
marks give the chapter times. A failed task marks the audio failed, so the send-time policy
applies (send without the Listen link, or hold).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from aws_lambda_powertools import Logger

from digest.core.edition import site_key, version_key
from digest.core.snapshot import edition_from_json
from digest.core.speech import chapters_from_marks
from digest.errors import DigestError
from digest.ports import AudioTagger, BlobStore, EditionStore

logger = Logger(child=True)

_OUTPUT = re.compile(r"(polly/(\d{4}-\d{2}-\d{2})/polly-(marks-)?[\w-]+\.(mp3|marks))$")


def audio_ready(notice: Any, *, editions: EditionStore, blobs: BlobStore, tagger: AudioTagger) -> str:
    """Handle one Polly task notification (the SNS message body); returns what was done."""
    try:
        task = json.loads(notice) if isinstance(notice, str) else dict(notice)
        found = _OUTPUT.search(str(task.get("outputUri", "")))
        status = str(task["taskStatus"]).lower()
    except (TypeError, ValueError, KeyError):
        return "malformed"
    if not found:
        return "malformed"
    key, day, is_marks = found.group(1), found.group(2), bool(found.group(3))
    record = editions.latest(day)
    if record is None:
        return "no edition"
    if status != "completed" and is_marks:
        return "marks failed"  # the audio stands without chapters
    if status != "completed":
        editions.set_audio(replace(record, audio_status="failed"))
        logger.warning("narration failed", extra={"edition_date": day, "task": task.get("taskId")})
        return "failed"
    data = blobs.get(key)
    if not data:
        return "missing output"
    if is_marks:
        record = replace(record, chapters=tuple(chapters_from_marks(data)))
        editions.set_audio(record)
        mp3 = blobs.get(_pending_mp3(day))
        if mp3 is None:
            return "marks stored"
        data = mp3
    else:
        blobs.put(_pending_mp3(day), data, "audio/mpeg")
    try:
        seconds = tagger.duration(data)
    except DigestError:
        editions.set_audio(replace(record, audio_status="failed"))
        return "not an mp3"
    snapshot = blobs.get(version_key(day, record.version, "edition.json"))
    titles = {s.anchor: s.headline for s in edition_from_json(snapshot).all_stories} if snapshot else {}
    chapters = [(anchor, start, titles.get(anchor, anchor)) for anchor, start in record.chapters]
    tagged = tagger.with_chapters(data, chapters, seconds, f"Morning Digest {day}") if chapters else data
    blobs.put(site_key(day, "edition.mp3"), tagged, "audio/mpeg")
    editions.set_audio(replace(record, audio_status="ready", audio_seconds=seconds, audio_bytes=len(tagged)))
    logger.info("audio ready", extra={"edition_date": day, "seconds": round(seconds, 1), "chapters": len(chapters)})
    return "ready"


def _pending_mp3(day: str) -> str:
    return f"polly/{day}/audio.mp3"
