"""digest.services.narrate starts at most one (billed) narration per edition version, whatever the retries."""

from __future__ import annotations

from dataclasses import replace

import pytest

from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.narration import Narration, audio_key
from digest.errors import NarrationError, NarrationRefused, NarrationUnknown
from digest.services.narrate import narrate
from tests.unit.fakes import FakeBlobStore, FakeEditionStore

DAY = "2026-11-28"
SSML = b'<speak><mark name="story-1"/><p>Quake hits Lima.</p></speak>'


class Narrator:
    """Counts the tasks it is asked to start; ``fail`` is raised by the next call."""

    def __init__(self, status: str = "pending") -> None:
        self.started, self.status, self.fail, self.during = 0, status, None, None

    def narrate(self, ssml: str, key: str) -> Narration:
        self.started += 1
        if self.during:
            self.during()
        if self.fail is not None:
            error, self.fail = self.fail, None
            raise error
        return Narration(self.status, task_id=f"task-{self.started}")


def world(version: int = 1):
    editions, blobs = FakeEditionStore(), FakeBlobStore()
    editions.add(EditionRecord(DAY, version, "h", "draft", 3, "Morning Digest", f"{DAY}T10:00:00+00:00"))
    blobs.put(version_key(DAY, version, "edition.ssml"), SSML, "application/ssml+xml")
    return editions, blobs


def run(editions, blobs, narrator):
    return narrate(DAY, editions=editions, blobs=blobs, narrator=narrator)


def test_a_retried_invocation_starts_no_second_task():
    editions, blobs = world()
    narrator = Narrator()
    for _ in range(3):  # the schedule's invocation and Lambda's two retries
        record = run(editions, blobs, narrator)
    assert narrator.started == 1
    assert (record.audio_status, editions.latest(DAY).audio_status) == ("pending", "pending")
    assert editions.latest(DAY).audio_key == audio_key(DAY, SSML.decode())  # private: not under site/
    assert not editions.latest(DAY).audio_key.startswith("site/")


def new_version(editions, blobs, version: int, ssml: bytes) -> None:
    editions.add(EditionRecord(DAY, version, f"h{version}", "draft", 3, "Morning Digest", f"{DAY}T11:00:00+00:00"))
    blobs.put(version_key(DAY, version, "edition.ssml"), ssml, "application/ssml+xml")


def test_a_new_version_with_new_spoken_text_is_narrated_again():
    editions, blobs = world()
    narrator = Narrator()
    run(editions, blobs, narrator)
    new_version(editions, blobs, 2, SSML.replace(b"Lima", b"Quito"))
    run(editions, blobs, narrator)
    run(editions, blobs, narrator)
    assert narrator.started == 2 and editions.get(DAY, 2).audio_status == "pending"
    assert editions.get(DAY, 2).audio_key != editions.get(DAY, 1).audio_key


def test_a_new_version_with_the_same_spoken_text_shares_the_task_in_flight():
    editions, blobs = world()
    narrator = Narrator()
    run(editions, blobs, narrator)
    new_version(editions, blobs, 2, SSML)
    assert run(editions, blobs, narrator).audio_status == "pending"
    assert narrator.started == 1  # one billed task for the one script
    assert editions.get(DAY, 2).audio_key == editions.get(DAY, 1).audio_key


def test_spoken_text_that_comes_back_reuses_its_mp3():
    editions, blobs = world()
    local = Narrator(status="ready")
    run(editions, blobs, local)
    blobs.put(editions.get(DAY, 1).audio_key, b"MP3", "audio/mpeg")  # what the narrator wrote
    new_version(editions, blobs, 2, SSML.replace(b"Lima", b"Quito"))
    run(editions, blobs, local)
    new_version(editions, blobs, 3, SSML)  # the edit undone: the first text again
    record = run(editions, blobs, local)
    assert local.started == 2 and record.audio_status == "ready"
    assert record.audio_key == editions.get(DAY, 1).audio_key


def test_an_error_polly_answered_gives_the_claim_back_so_the_retry_tries_again():
    editions, blobs = world()
    narrator = Narrator()
    narrator.fail = NarrationError("Polly did not start the synthesis task (ServiceFailureException)")
    with pytest.raises(NarrationError):
        run(editions, blobs, narrator)
    assert editions.latest(DAY).audio_status == "failed"
    assert run(editions, blobs, narrator).audio_status == "pending"
    assert narrator.started == 2


def test_an_unknown_outcome_keeps_the_claim_and_is_not_retried():
    editions, blobs = world()
    narrator = Narrator()
    narrator.fail = NarrationUnknown("Polly may or may not have started the synthesis task (ReadTimeoutError)")
    assert run(editions, blobs, narrator).audio_status == "starting"  # no exception: no Lambda retry
    run(editions, blobs, narrator)  # and an invocation that comes anyway starts nothing
    assert narrator.started == 1 and editions.latest(DAY).audio_status == "starting"


def test_a_refusal_fails_the_audio_with_no_retry():
    editions, blobs = world()
    narrator = Narrator()
    narrator.fail = NarrationRefused("the script has 120,000 billed characters")
    record = run(editions, blobs, narrator)
    assert record.audio_status == "failed" and editions.latest(DAY).audio_status == "failed"


def test_notices_quicker_than_the_pending_write_are_not_overwritten():
    editions, blobs = world()
    narrator = Narrator()

    def polly_is_quick():
        record = editions.latest(DAY)
        editions.set_audio_fields(
            replace(record, audio_status="ready", audio_seconds=99.0), "audio_status", "audio_seconds"
        )

    narrator.during = polly_is_quick
    assert run(editions, blobs, narrator).audio_status == "ready"
    assert (editions.latest(DAY).audio_status, editions.latest(DAY).audio_seconds) == ("ready", 99.0)


def test_a_local_narration_is_ready_at_once_with_its_chapters():
    editions, blobs = world()

    class Local(Narrator):
        def narrate(self, ssml, key):
            super().narrate(ssml, key)
            return Narration("ready", chapters=(("story-1", 0.5),), duration_seconds=3.0, size_bytes=100)

    record = run(editions, blobs, Local())
    assert (record.audio_status, record.chapters) == ("ready", (("story-1", 0.5),))
    assert editions.latest(DAY).chapters == (("story-1", 0.5),) and editions.latest(DAY).audio_bytes == 100


def test_no_edition_no_narration():
    narrator = Narrator()
    assert narrate(DAY, editions=FakeEditionStore(), blobs=FakeBlobStore(), narrator=narrator) is None
    assert narrator.started == 0
