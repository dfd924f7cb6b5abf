"""Polly's completion notices (moto has no Polly tasks: the outputs are put where Polly would write
them, from a real local narration) through the audio handler: verified, chaptered, published.

The notices are events/audio/*.json, in the documented shape: an SNS envelope around Polly's task
message, whose ``outputUri`` names ``<OutputS3KeyPrefix>.<TaskId>.mp3`` (speech marks ``.marks``).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest

from digest.core.edition import version_key
from digest.services.audio import audio_ready
from tests.integration.handlers import event, invoke
from tests.integration.test_handlers import DAY, _morning
from tests.support.id3 import read_chapters

# What the narrator asks for (OutputS3KeyPrefix polly/<day>/audio and .../marks) as Polly names it.
MP3_KEY = "polly/2026-11-28/audio.0c1ef6f5-29b1-4a36-9a6e-7d7b4b0f3c21.mp3"
MARKS_KEY = "polly/2026-11-28/marks.5a7f9e31-8c44-4f0e-b2d1-3e6f0a9c8b77.marks"
PUBLIC = f"site/{DAY}/edition.mp3"
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("lame") is None,
    reason="espeak-ng and lame make the stand-in MP3: scripts/system-deps.sh installs them",
)


def _message(name: str) -> dict:
    return json.loads(event("audio", name)["Records"][0]["Sns"]["Message"])


def _without_id3(mp3: bytes) -> bytes:
    """The MP3 frames without the leading ID3v2 tag (Polly's MP3 has no chapters)."""
    if mp3[:3] != b"ID3":
        return mp3
    size = sum(b << (7 * (3 - i)) for i, b in enumerate(mp3[6:10]))  # syncsafe integer
    return mp3[10 + size + (10 if mp3[5] & 0x10 else 0) :]


def _polly_outputs(app) -> list[tuple[str, float]]:
    """What Polly would have written: an MP3 (here espeak's, chapters stripped) and its ssml marks;
    the edition is left as narrate leaves it for Polly (pending, no chapters yet)."""
    _morning(app)  # builds the edition and narrates it locally
    record = app.editions.latest(DAY)
    assert not app.blobs.exists(PUBLIC)  # kept private until the send
    mp3 = _without_id3(app.blobs.get(record.audio_key))
    assert read_chapters(mp3) == []
    app.blobs.put(MP3_KEY, mp3, "audio/mpeg")
    marks = "\n".join(
        json.dumps({"time": int(start * 1000), "type": "ssml", "start": 0, "end": 0, "value": anchor})
        for anchor, start in record.chapters
    )
    app.blobs.put(MARKS_KEY, marks.encode(), "application/x-json-stream")
    app.blobs.put(record.audio_key, b"", "audio/mpeg")
    app.editions.set_audio_fields(replace(record, audio_status="pending", chapters=()), "audio_status", "chapters")
    return list(record.chapters)


def test_the_fixtures_carry_polly_s_documented_output_names():
    assert _message("mp3-completed.json")["outputUri"].endswith("/" + MP3_KEY)
    assert _message("marks-completed.json")["outputUri"].endswith("/" + MARKS_KEY)
    assert _message("task-failed.json")["taskStatus"] == "FAILED"


def _rounded(chapters) -> list[tuple[str, float]]:
    return [(a, round(s, 2)) for a, s in chapters]  # speech marks count whole milliseconds


def _stored(app) -> bytes:
    """The version's MP3 at its private key (the send publishes it)."""
    return app.blobs.get(app.editions.latest(DAY).audio_key)


def _tagged_chapters(app) -> list[tuple[str, float]]:
    assert not app.blobs.exists(PUBLIC)
    return [(a, round(s, 2)) for a, s, _ in read_chapters(_stored(app))]


@needs_espeak
@pytest.mark.parametrize("order", [("mp3", "marks"), ("marks", "mp3")])
def test_the_audio_is_ready_with_chapters_whatever_order_the_notices_come(app, sources_file, order):
    chapters = _polly_outputs(app)
    names = {"mp3": "mp3-completed.json", "marks": "marks-completed.json"}
    results = [invoke("audio", event("audio", names[which]))["results"][0] for which in order]
    assert results[-1] == "ready"
    record = app.editions.latest(DAY)
    assert record.audio_status == "ready" and record.audio_seconds > 10
    assert _rounded(record.chapters) == _rounded(chapters) and len(chapters) > 2
    assert _tagged_chapters(app) == _rounded(chapters)
    lead = json.loads(app.blobs.get(version_key(DAY, record.version, "edition.json")))["lead"]
    assert read_chapters(_stored(app))[0][2] == lead["headline"]


class _MarksArriveMidPublish:
    """Blobs that run the speech-marks notice just before the MP3 notice's first publish lands:
    the MP3 path has read the edition (no chapters yet) and tagged nothing; the marks path then
    stores the chapters and publishes, and the MP3 path's untagged copy overwrites it."""

    def __init__(self, app) -> None:
        self.app, self.inner, self.fired = app, app.blobs, False

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if key == self.app.editions.latest(DAY).audio_key and not self.fired:
            self.fired = True
            marks = audio_ready(
                _message("marks-completed.json"), editions=self.app.editions, blobs=self.inner, tagger=self.app.tagger
            )
            assert marks == "ready"
        self.inner.put(key, data, content_type)

    def get(self, key: str) -> bytes | None:
        return self.inner.get(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)


@needs_espeak
def test_concurrent_notices_never_publish_the_mp3_without_its_chapters(app, sources_file):
    chapters = _polly_outputs(app)
    racing = _MarksArriveMidPublish(app)
    result = audio_ready(_message("mp3-completed.json"), editions=app.editions, blobs=racing, tagger=app.tagger)
    assert racing.fired and result == "ready"
    record = app.editions.latest(DAY)  # DynamoDB on moto: neither writer lost the other's fields
    assert _rounded(record.chapters) == _rounded(chapters)
    assert record.audio_status == "ready" and record.audio_seconds > 10
    assert _tagged_chapters(app) == _rounded(chapters)


def test_a_failed_task_marks_the_audio_failed_and_the_send_omits_the_listen_link(app, sources_file):
    invoke("ingest", event("ingest", "scheduled.json"))
    invoke("assemble", event("assemble", "scheduled.json"))
    assert invoke("audio", event("audio", "task-failed.json")) == {"results": ["failed"]}
    assert app.editions.latest(DAY).audio_status == "failed"
    app.clock.when = app.clock.when.replace(hour=11)
    assert invoke("dispatch", event("dispatch", "scheduled.json"))["variant"] == "email-noaudio"


def test_a_notice_for_something_else_changes_nothing(app):
    odd = event("audio", "mp3-completed.json")
    odd["Records"][0]["Sns"]["Message"] = json.dumps({"taskStatus": "COMPLETED", "outputUri": "s3://elsewhere/x.mp3"})
    assert invoke("audio", odd) == {"results": ["malformed"]}


@needs_espeak
def test_the_narration_of_a_script_is_published_with_the_web_copy_at_the_send(app, sources_file):
    chapters = _polly_outputs(app)
    record = app.editions.latest(DAY)
    script = record.audio_key.split("/")[-2]  # editions/<day>/audio/<script id>/edition.mp3
    for name, key in (("marks-completed.json", MARKS_KEY), ("mp3-completed.json", MP3_KEY)):
        moved = key.replace(f"polly/{DAY}/", f"polly/{script}/")  # where the narrator has Polly write now
        app.blobs.put(moved, app.blobs.get(key), "application/octet-stream")
        notice = event("audio", name)
        sns = notice["Records"][0]["Sns"]
        sns["Message"] = sns["Message"].replace(f"/{key}", f"/{moved}")
        invoke("audio", notice)
    assert app.editions.latest(DAY).audio_status == "ready" and not app.blobs.exists(PUBLIC)
    app.clock.when = app.clock.when.replace(hour=11)
    assert invoke("dispatch", event("dispatch", "scheduled.json"))["variant"] == "email"
    assert app.blobs.get(PUBLIC) == _stored(app)
    assert _rounded((a, s) for a, s, _ in read_chapters(app.blobs.get(PUBLIC))) == _rounded(chapters)
