"""Audio ready: Polly's completion notices for the edition's MP3 and its speech marks.

Polly names each output ``<OutputS3KeyPrefix>.<TaskId>.mp3`` (speech marks: ``.marks``) and
says where in the notice's ``outputUri``; the key is read from there, never rebuilt. Only keys
under ``polly/<script id>/`` (where the narrator asks Polly to write; the script id is the date
and a hash of the spoken text) are accepted. A notice concerns every version of the day whose
audio is that script's (``audio_key``); one under ``polly/<day>/`` (a task started before
scripts had ids) concerns the day's latest version.

The tagged MP3 is written to the script's private key, not to the public site: the edition's
publication copies it there when it is sent. Audio that becomes ready after the edition went out
(a late task, or a correction's new narration) is published at once (``publish``).

The two tasks finish in either order, seconds apart, and SNS invokes this handler for both at
once. Each notice writes only its own fields: the marks notice the ``chapters``, the MP3 notice
the MP3 (to a pending key) and then the audio status, length and size; neither writes the
other's. Each then stores the tagged MP3 if it has both halves, and checks afterwards that the
chapters it tagged are still the stored ones (storing again if the marks arrived meanwhile).
Whoever stores last has therefore seen the final chapters, so the MP3 never lacks them.

A failed MP3 task marks the audio failed, so the send-time policy applies (send without the
Listen link, or hold); a failed marks task leaves an MP3 without chapters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import unquote, urlsplit

from aws_lambda_powertools import Logger

from digest.core import lifecycle
from digest.core.edition import site_key, version_key
from digest.core.edition_record import EditionRecord
from digest.core.narration import key_of_script
from digest.core.snapshot import edition_from_json
from digest.core.speech import chapters_from_marks
from digest.errors import DigestError, StorageError
from digest.ports import AudioTagger, BlobStore, EditionStore

logger = Logger(child=True)

_OUTPUT = re.compile(r"polly/((\d{4}-\d{2}-\d{2})(?:-[0-9a-f]{16})?)/[^/]+\.(mp3|marks)")
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


def audio_ready(
    notice: Any,
    *,
    editions: EditionStore,
    blobs: BlobStore,
    tagger: AudioTagger,
    publish: Callable[[EditionRecord], object] | None = None,
) -> str:
    """Handle one Polly task notification (the SNS message body); returns what was done.

    ``publish`` republishes a sent edition (web copy, audio, feeds) once its audio is ready;
    without it, only the MP3 is copied to the public site.
    """
    try:
        task = json.loads(notice) if isinstance(notice, str) else dict(notice)
        status = str(task["taskStatus"]).lower()
        found = _OUTPUT.fullmatch(output_key(str(task.get("outputUri") or "")) or "")
    except (TypeError, ValueError, KeyError):
        return "malformed"
    if not found:
        return "malformed"
    output, script, day, is_marks = found.group(0), found.group(1), found.group(2), found.group(3) == "marks"
    audio = _Audio(day, key_of_script(script), script, editions)
    targets = audio.versions()
    if not targets:
        return "no edition"
    if status != "completed" and is_marks:
        return "marks failed"  # the audio stands without chapters
    if status != "completed":
        for record in targets:
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
    data = blobs.get(output)
    if not data:
        return "missing output"
    if is_marks:
        chapters = tuple(chapters_from_marks(data))
        for record in targets:
            editions.set_audio_fields(replace(record, chapters=chapters), "chapters")
        mp3 = blobs.get(audio.pending)
        if mp3 is None:
            return "marks stored"  # the MP3 notice stores them
    else:
        blobs.put(audio.pending, data, "audio/mpeg")  # before reading the chapters (see above)
        mp3 = data
    return _store(audio, mp3, blobs=blobs, tagger=tagger, publish=publish)


class _Audio:
    """The script a notice is about: its private MP3 key and the versions that share it."""

    def __init__(self, day: str, key: str, script: str, editions: EditionStore) -> None:
        self.day, self.key, self.editions, self.legacy = day, key, editions, not key
        self.pending = _pending_mp3(script)

    def versions(self) -> list[EditionRecord]:
        """The versions whose audio this is, oldest first (the newest gives the chapter titles)."""
        if self.legacy:  # a notice from before scripts had ids: the latest version's
            latest = self.editions.latest(self.day)
            self.key = self.key or (latest.audio_key if latest else "") or site_key(self.day, "edition.mp3")
            return [latest] if latest is not None else []
        return sorted((v for v in self.editions.versions(self.day) if v.audio_key == self.key), key=lambda v: v.version)


def _store(
    audio: _Audio,
    mp3: bytes,
    *,
    blobs: BlobStore,
    tagger: AudioTagger,
    publish: Callable[[EditionRecord], object] | None,
) -> str:
    editions, day = audio.editions, audio.day
    try:
        seconds = tagger.duration(mp3)
    except DigestError:
        for record in audio.versions():
            editions.set_audio_fields(replace(record, audio_status="failed"), "audio_status")
        return "not an mp3"
    for _ in range(_ATTEMPTS):
        targets = audio.versions()
        if not targets:
            return "no edition"
        newest = targets[-1]
        tagged = _tagged(day, mp3, seconds, newest, blobs, tagger)
        blobs.put(audio.key, tagged, "audio/mpeg")
        now = audio.versions()  # after the put: did the marks arrive while we tagged?
        if now and now[-1].version == newest.version and now[-1].chapters != newest.chapters:
            continue
        done: set[int] = set()
        while pending := [v for v in audio.versions() if v.version not in done]:  # and versions added meanwhile
            for record in pending:
                ready = replace(record, audio_status="ready", audio_seconds=seconds, audio_bytes=len(tagged))
                editions.set_audio_fields(ready, "audio_status", "audio_seconds", "audio_bytes")
                done.add(record.version)
        logger.info(
            "audio ready", extra={"edition_date": day, "seconds": round(seconds, 1), "chapters": len(newest.chapters)}
        )
        _publish_if_sent(audio, tagged, blobs, publish)
        return "ready"
    raise StorageError(f"the chapters of {day} kept changing while the audio was stored")


def _publish_if_sent(
    audio: _Audio, mp3: bytes, blobs: BlobStore, publish: Callable[[EditionRecord], object] | None
) -> None:
    """Audio that became ready after its edition went out is published now; before, it stays private."""
    latest = audio.editions.latest(audio.day)
    if latest is None or latest.audio_key != audio.key or latest.status not in (lifecycle.SENDING, lifecycle.SENT):
        return
    public = site_key(audio.day, "edition.mp3")
    if audio.key == public:
        return
    if publish is not None:
        publish(latest)
    else:
        blobs.put(public, mp3, "audio/mpeg")


def _tagged(
    day: str, mp3: bytes, seconds: float, record: EditionRecord, blobs: BlobStore, tagger: AudioTagger
) -> bytes:
    if not record.chapters:
        return mp3
    snapshot = blobs.get(version_key(day, record.version, "edition.json"))
    titles = {s.anchor: s.headline for s in edition_from_json(snapshot).all_stories} if snapshot else {}
    chapters = [(anchor, start, titles.get(anchor, anchor)) for anchor, start in record.chapters]
    return tagger.with_chapters(mp3, chapters, seconds, f"Morning Digest {day}")


def _pending_mp3(script: str) -> str:
    """Where the untagged MP3 of a script waits for its chapters (under Polly's expiring prefix)."""
    return f"polly/{script}/pending.mp3"
