"""Polly's completion notices (moto has no Polly tasks: the outputs are put where Polly would write
them, from a real local narration) through the audio handler: verified, chaptered, published."""

from __future__ import annotations

import json
import shutil

import pytest

from digest.adapters.id3 import read_chapters
from digest.core.edition import version_key
from tests.integration.handlers import event, invoke
from tests.integration.test_handlers import DAY, _morning

MP3_KEY = "polly/2026-11-28/polly-0c1ef6f5-29b1-4a36-9a6e-7d7b4b0f3c21.mp3"
MARKS_KEY = "polly/2026-11-28/polly-marks-5a7f9e31-8c44-4f0e-b2d1-3e6f0a9c8b77.marks"
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("lame") is None,
                                  reason="espeak-ng and lame make the stand-in MP3: scripts/system-deps.sh installs them")


def _polly_outputs(app) -> list[tuple[str, float]]:
    """What Polly would have written: an MP3 (here espeak's, chapters stripped) and its ssml marks."""
    _morning(app)  # builds the edition and narrates it locally
    record = app.editions.latest(DAY)
    mp3 = app.blobs.get(f"site/{DAY}/edition.mp3")
    app.blobs.put(MP3_KEY, mp3, "audio/mpeg")
    marks = "\n".join(json.dumps({"time": int(start * 1000), "type": "ssml", "start": 0, "end": 0, "value": anchor})
                      for anchor, start in record.chapters)
    app.blobs.put(MARKS_KEY, marks.encode(), "application/x-json-stream")
    return list(record.chapters)


@needs_espeak
@pytest.mark.parametrize("order", [("mp3", "marks"), ("marks", "mp3")])
def test_the_audio_is_ready_with_chapters_whatever_order_the_notices_come(app, sources_file, order):
    chapters = _polly_outputs(app)
    names = {"mp3": "mp3-completed.json", "marks": "marks-completed.json"}
    results = [invoke("audio", event("audio", names[which]))["results"][0] for which in order]
    assert results[-1] == "ready"
    record = app.editions.latest(DAY)
    assert record.audio_status == "ready" and record.audio_seconds > 10
    published = read_chapters(app.blobs.get(f"site/{DAY}/edition.mp3"))
    assert [(a, round(s, 2)) for a, s, _ in published] == [(a, round(s, 2)) for a, s in chapters]
    lead = json.loads(app.blobs.get(version_key(DAY, record.version, "edition.json")))["lead"]
    assert published[0][2] == lead["headline"]


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
