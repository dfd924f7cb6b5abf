"""The edition's audio across rebuilds, and its privacy until the send, on the local stack (moto over
HTTP, espeak-ng narrating locally; without it a silent placeholder MP3 stands in, same paths).

A version whose spoken text (SSML) is unchanged keeps the audio; one whose spoken text changed is
narrated again. The MP3 is kept under the edition's private prefix and reaches the public site
only with the web copy, at the send (or a correction after it).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from digest.core.edition import site_key, version_key
from digest.core.narration import audio_key
from digest.services.assemble import AssembleOptions, assemble, overrides_key
from digest.services.narrate import narrate
from tests.integration.stories import stories_for

DAY = date(2026, 11, 28)
ISO = DAY.isoformat()
PUBLIC = site_key(ISO, "edition.mp3")
AUDIBLE = ("ready", "placeholder")


@pytest.fixture(autouse=True)
def _can_delete(app, monkeypatch):
    """The blob store's ``delete`` (the port's), as S3 does it, when the adapter predates it."""
    if not hasattr(type(app.blobs), "delete"):

        def delete(self, key: str) -> None:
            self.s3.delete_object(Bucket=self.bucket, Key=key)

        monkeypatch.setattr(type(app.blobs), "delete", delete, raising=False)


def build(app, *, renarrate: bool = True):
    """The assemble service as the container wires it, plus the narrate path for rebuilds."""
    start = (
        (lambda day: narrate(day, editions=app.editions, blobs=app.blobs, narrator=app.narrator)) if renarrate else None
    )
    return app.call(assemble, DAY, options=AssembleOptions.from_settings(app.settings), keep_hold=False, narrate=start)


def narrated_morning(app):
    """Three stories, the 05:00 build and the schedule's narration."""
    stories_for(app, DAY, app.settings.edition_timezone)
    assert build(app).created
    record = narrate(ISO, editions=app.editions, blobs=app.blobs, narrator=app.narrator)
    assert record.audio_status in AUDIBLE
    return record


def moved(app, n: int = 0) -> None:
    """The agency moves a story's page: a new version with the same text at a new address."""
    story = app.stories.get(f"s-{ISO}-{n}")
    copy = {"version": story.version + 1, "content_hash": f"{story.content_hash}-moved"}
    app.stories.save(replace(story, url=f"https://wire.example/moved/{n}", **copy))


def edit(app, story_id: str, **changes) -> None:
    from digest.core.overrides import Overrides

    stored = Overrides.from_json(app.blobs.get(overrides_key(ISO))).with_edit(story_id, **changes)
    app.blobs.put(overrides_key(ISO), stored.to_json().encode(), "application/json")


def send(app, policy: str = "hold"):
    app.settings = replace(app.settings, audio_policy=policy)
    return app.dispatch(ISO, scheduled=False)


def test_a_rebuild_with_the_same_spoken_text_keeps_the_audio_and_the_listen_link(app):
    first = narrated_morning(app)
    moved(app)
    rebuilt = build(app, renarrate=False)  # nothing narrates it again: the audio is carried over
    assert rebuilt.created and rebuilt.record.version == 2
    ssml = app.blobs.get(version_key(ISO, 2, "edition.ssml"))
    assert ssml == app.blobs.get(version_key(ISO, 1, "edition.ssml"))  # only a link changed
    second = app.editions.latest(ISO)
    assert (second.audio_status, second.audio_key, second.chapters) == (
        first.audio_status,
        first.audio_key,
        first.chapters,
    )
    result = send(app, policy="hold")  # the hold policy would hold an edition without audio
    assert (result.reason, result.variant) == ("", "email")


def test_a_rebuild_with_new_spoken_text_is_narrated_again(app):
    first = narrated_morning(app)
    edit(app, f"s-{ISO}-1", headline="Central bank holds rates again")
    rebuilt = build(app)
    second = app.editions.latest(ISO)
    assert rebuilt.created and second.version == 2
    assert second.audio_status in AUDIBLE and second.audio_key != first.audio_key
    assert second.audio_key == audio_key(ISO, app.blobs.get(version_key(ISO, 2, "edition.ssml")).decode())
    assert app.blobs.exists(second.audio_key)
    assert send(app).variant == "email"
    assert app.blobs.get(PUBLIC) == app.blobs.get(second.audio_key)  # the new narration went out


def test_the_audio_is_private_until_the_send_publishes_it(app):
    record = narrated_morning(app)
    assert record.audio_key.startswith(f"editions/{ISO}/") and app.blobs.exists(record.audio_key)
    assert not app.blobs.exists(PUBLIC)  # narrated at 05:10, nothing public before the send
    app.editor.hold(ISO, "arn:editor", "legal review")
    assert not app.blobs.exists(PUBLIC)
    app.editor.release(ISO, "arn:editor")
    result = send(app)
    assert (result.reason, result.variant) == ("", "email")
    assert app.blobs.get(PUBLIC) == app.blobs.get(record.audio_key)
    page = app.blobs.get(site_key(ISO, "index.html")).decode()
    assert f"{app.settings.public_base_url}/{ISO}/edition.mp3" in page  # where the link points


def test_the_pre_send_lint_checks_the_private_mp3(app):
    record = narrated_morning(app)
    missing = replace(record, audio_key=f"editions/{ISO}/audio/{ISO}-0000000000000000/edition.mp3")
    app.editions.set_audio_fields(missing, "audio_key")
    app.blobs.put(PUBLIC, b"stale public copy", "audio/mpeg")  # a public file proves nothing
    result = send(app, policy="hold")
    assert result.reason.startswith("held") and "audio is not ready" in result.reason


def test_a_correction_that_kills_a_story_takes_its_audio_off_the_site(app):
    narrated_morning(app)
    assert send(app).variant == "email"
    old = app.blobs.get(PUBLIC)
    victim = json.loads(app.blobs.get(version_key(ISO, 1, "edition.json")))["stories"][0]
    edit(app, victim["cluster_id"], drop=True)
    corrected = build(app, renarrate=False)  # the re-narration has not finished yet
    assert corrected.created and corrected.record.status == "sent"
    assert app.editions.latest(ISO).audio_status == "none"
    assert not app.blobs.exists(PUBLIC), "the killed story stays audible"
    edit(app, victim["cluster_id"], drop=True, headline="Unused")  # any later rebuild narrates again
    build(app)
    latest = app.editions.latest(ISO)
    assert latest.audio_status in AUDIBLE
    assert app.blobs.get(PUBLIC) == app.blobs.get(latest.audio_key) != old
