"""digest.services.audio against fakes, fed the documented Polly notices in events/audio/."""

from __future__ import annotations

import doctest
import json
from dataclasses import replace
from pathlib import Path

import pytest

from digest.core.edition_record import EditionRecord
from digest.core.narration import key_of_script, script_id
from digest.errors import NarrationError
from digest.services import audio
from digest.services.audio import audio_ready, output_key
from tests.unit.fakes import FakeBlobStore, FakeEditionStore

EVENTS = Path(__file__).resolve().parents[2] / "events" / "audio"
DAY = "2026-11-28"
SCRIPT = script_id(DAY, "<speak>Quake hits Lima.</speak>")
PRIVATE = key_of_script(SCRIPT)  # where the version's MP3 is kept until the send
PUBLIC = f"site/{DAY}/edition.mp3"
# The documented notices name polly/<day>/...; the narrator now writes under polly/<script id>/.
MP3_KEY = f"polly/{SCRIPT}/audio.0c1ef6f5-29b1-4a36-9a6e-7d7b4b0f3c21.mp3"
MARKS_KEY = f"polly/{SCRIPT}/marks.5a7f9e31-8c44-4f0e-b2d1-3e6f0a9c8b77.marks"
MARKS = (
    b'{"time":0,"type":"ssml","start":7,"end":27,"value":"intro"}\n'
    b'{"time":2500,"type":"ssml","start":40,"end":63,"value":"story-1"}\n'
)


def notice(name: str, script: str = SCRIPT) -> str:
    message = json.loads((EVENTS / name).read_text("utf-8"))["Records"][0]["Sns"]["Message"]
    return message.replace(f"/polly/{DAY}/", f"/polly/{script}/")


class Tagger:
    """An MP3 is any bytes starting with ``MP3``; tagging prefixes the chapters."""

    def duration(self, mp3: bytes) -> float:
        if not mp3.startswith(b"MP3"):
            raise NarrationError("not a readable MP3")
        return 42.0

    def with_chapters(self, mp3, chapters, duration, title) -> bytes:
        return json.dumps([[a, s] for a, s, _ in chapters]).encode() + b"|" + mp3


def world():
    editions, blobs = FakeEditionStore(), FakeBlobStore()
    editions.add(
        EditionRecord(
            DAY, 1, "h", "draft", 2, "Morning Digest", f"{DAY}T10:00:00+00:00", PRIVATE, audio_status="pending"
        )
    )
    blobs.put(MP3_KEY, b"MP3 frames", "audio/mpeg")
    blobs.put(MARKS_KEY, MARKS, "application/x-json-stream")
    return editions, blobs


def published(blobs) -> bytes:
    """The tagged MP3, at the version's private key."""
    return blobs.get(PRIVATE)


def test_doctests():
    assert doctest.testmod(audio).failed == 0


@pytest.mark.parametrize(
    "uri, key",
    [
        ("https://s3.us-east-1.amazonaws.com/bucket/polly/x/audio.id.mp3", "polly/x/audio.id.mp3"),
        ("https://s3-us-west-2.amazonaws.com/bucket/polly/x/audio.id.mp3", "polly/x/audio.id.mp3"),
        ("https://bucket.s3.eu-west-1.amazonaws.com/polly/x/marks.id.marks", "polly/x/marks.id.marks"),
        ("s3://bucket/polly/x/audio.id.mp3", "polly/x/audio.id.mp3"),
        ("https://s3.us-east-1.amazonaws.com/bucket/polly/x/a%20b.mp3", "polly/x/a b.mp3"),
        ("https://evil.example.com/bucket/polly/x/audio.id.mp3", None),
        ("http://s3.us-east-1.amazonaws.com/bucket/polly/x/audio.id.mp3", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_output_key_reads_the_key_polly_reports(uri, key):
    assert output_key(uri) == key


@pytest.mark.parametrize("order", [("mp3", "marks"), ("marks", "mp3")])
def test_both_documented_notices_give_a_chaptered_mp3_in_either_order(order):
    editions, blobs = world()
    names = {"mp3": "mp3-completed.json", "marks": "marks-completed.json"}
    results = [audio_ready(notice(names[n]), editions=editions, blobs=blobs, tagger=Tagger()) for n in order]
    assert results == (["ready", "ready"] if order[0] == "mp3" else ["marks stored", "ready"])
    record = editions.latest(DAY)
    assert (record.audio_status, record.audio_seconds, record.chapters) == (
        "ready",
        42.0,
        (("intro", 0.0), ("story-1", 2.5)),
    )
    assert published(blobs).startswith(b'[["intro", 0.0], ["story-1", 2.5]]|MP3')
    assert record.audio_bytes == len(published(blobs))


class MarksLandMidPublish(FakeBlobStore):
    """The speech-marks notice runs completely between the MP3 notice's read of the edition and its
    first publish (SNS invokes both at once)."""

    def __init__(self, editions, inner) -> None:
        super().__init__()
        self.blobs, self.editions, self.fired = inner.blobs, editions, False

    def put(self, key, data, content_type) -> None:
        if key == PRIVATE and not self.fired:
            self.fired = True
            plain = FakeBlobStore()
            plain.blobs = self.blobs
            assert (
                audio_ready(notice("marks-completed.json"), editions=self.editions, blobs=plain, tagger=Tagger())
                == "ready"
            )
        super().put(key, data, content_type)


def test_a_marks_notice_landing_mid_publish_does_not_lose_the_chapters():
    editions, blobs = world()
    racing = MarksLandMidPublish(editions, blobs)
    assert audio_ready(notice("mp3-completed.json"), editions=editions, blobs=racing, tagger=Tagger()) == "ready"
    assert racing.fired
    assert editions.latest(DAY).chapters == (("intro", 0.0), ("story-1", 2.5))
    assert published(blobs).startswith(b'[["intro", 0.0], ["story-1", 2.5]]|')


def test_the_mp3_notice_does_not_write_the_chapters_it_read():
    editions, blobs = world()
    stale = editions.latest(DAY)
    editions.set_audio_fields(replace(stale, chapters=(("story-1", 2.5),)), "chapters")  # the marks, meanwhile
    assert audio_ready(notice("mp3-completed.json"), editions=editions, blobs=blobs, tagger=Tagger()) == "ready"
    assert editions.latest(DAY).chapters == (("story-1", 2.5),)


def test_failed_tasks():
    editions, blobs = world()
    failed_marks = json.loads(notice("marks-completed.json")) | {"taskStatus": "FAILED"}
    assert audio_ready(failed_marks, editions=editions, blobs=blobs, tagger=Tagger()) == "marks failed"
    assert editions.latest(DAY).audio_status == "pending"
    assert audio_ready(notice("task-failed.json"), editions=editions, blobs=blobs, tagger=Tagger()) == "failed"
    assert editions.latest(DAY).audio_status == "failed"


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        "[]",
        json.dumps({"taskStatus": "COMPLETED"}),
        json.dumps({"taskStatus": "COMPLETED", "outputUri": f"https://s3.us-east-1.amazonaws.com/b/site/{DAY}/x.mp3"}),
        json.dumps({"taskStatus": "COMPLETED", "outputUri": f"https://s3.us-east-1.amazonaws.com/b/polly/{DAY}/x.wav"}),
        json.dumps({"outputUri": f"https://s3.us-east-1.amazonaws.com/b/{MP3_KEY}"}),
    ],
)
def test_odd_notices_change_nothing(message):
    editions, blobs = world()
    before = editions.latest(DAY)
    assert audio_ready(message, editions=editions, blobs=blobs, tagger=Tagger()) == "malformed"
    assert editions.latest(DAY) == before and published(blobs) is None


def test_an_output_that_is_not_an_mp3_fails_the_audio():
    editions, blobs = world()
    blobs.put(MP3_KEY, b"<html>", "audio/mpeg")
    assert audio_ready(notice("mp3-completed.json"), editions=editions, blobs=blobs, tagger=Tagger()) == "not an mp3"
    assert editions.latest(DAY).audio_status == "failed"


def test_the_mp3_stays_private_until_the_edition_is_sent():
    editions, blobs = world()
    for name in ("marks-completed.json", "mp3-completed.json"):
        audio_ready(notice(name), editions=editions, blobs=blobs, tagger=Tagger())
    assert editions.latest(DAY).audio_status == "ready" and published(blobs)
    assert blobs.get(PUBLIC) is None


def test_audio_ready_after_the_send_is_published_at_once():
    editions, blobs = world()
    editions.update(replace(editions.latest(DAY), status="sent"))
    republished = []
    audio_ready(notice("marks-completed.json"), editions=editions, blobs=blobs, tagger=Tagger())
    assert blobs.get(PUBLIC) is None  # half the audio: nothing yet
    audio_ready(
        notice("mp3-completed.json"), editions=editions, blobs=blobs, tagger=Tagger(), publish=republished.append
    )
    assert [(r.version, r.audio_status) for r in republished] == [(1, "ready")]
    audio_ready(notice("mp3-completed.json"), editions=editions, blobs=blobs, tagger=Tagger())  # no publish given
    assert blobs.get(PUBLIC) == published(blobs)


def test_a_notice_concerns_every_version_of_its_script_and_no_other():
    editions, blobs = world()
    other = script_id(DAY, "<speak>Quake hits Quito.</speak>")
    v1 = editions.latest(DAY)
    editions.add(replace(v1, version=2, content_hash="h2", audio_key=key_of_script(other)))  # an edit, narrating
    editions.add(replace(v1, version=3, content_hash="h3"))  # the edit undone: v1's script, carried over
    for name in ("marks-completed.json", "mp3-completed.json"):
        audio_ready(notice(name), editions=editions, blobs=blobs, tagger=Tagger())
    status = {v.version: (v.audio_status, v.chapters) for v in editions.versions(DAY)}
    assert status[1] == status[3] == ("ready", (("intro", 0.0), ("story-1", 2.5)))
    assert status[2] == ("pending", ())
    assert audio_ready(notice("mp3-completed.json", other), editions=editions, blobs=blobs, tagger=Tagger()) == (
        "missing output"
    )  # its own task's output is not there yet: nothing borrowed from the other script


def test_a_notice_from_before_scripts_had_ids_goes_to_the_latest_version():
    editions, blobs = world()
    legacy = notice("mp3-completed.json", DAY)
    blobs.put(f"polly/{DAY}/audio.0c1ef6f5-29b1-4a36-9a6e-7d7b4b0f3c21.mp3", b"MP3 frames", "audio/mpeg")
    assert audio_ready(legacy, editions=editions, blobs=blobs, tagger=Tagger()) == "ready"
    assert editions.latest(DAY).audio_status == "ready" and published(blobs) == b"MP3 frames"
