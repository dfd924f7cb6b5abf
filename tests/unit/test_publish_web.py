"""The web copy is rendered when it is published, with the audio that is public then: a send
whose audio is not ready never links readers to a private or missing file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.config import TEMPLATES
from digest.core.edition import Brand, Edition, EditionStory, site_key, version_key
from digest.core.edition_record import EditionRecord
from digest.core.render import environment
from digest.core.snapshot import edition_to_json
from digest.services.publish import publish
from tests.unit.fakes import FakeBlobStore

DAY = "2026-11-28"
SITE = "https://news.example.org/digest"
LEAD = EditionStory("story-1", "c1", "Quake strikes Lima", "A quake struck Lima.", ["AP"], [])
EDITION = Edition(DAY, "Saturday, November 28, 2026", "Morning Digest", "en", "p", f"{SITE}/{DAY}/index.html",
                  f"{SITE}/{DAY}/edition.mp3", LEAD)  # fmt: skip
PRIVATE = f"editions/{DAY}/audio/script-1/edition.mp3"


@pytest.mark.parametrize(("status", "mp3", "listens"), [("ready", b"ID3mp3", True), ("pending", None, False)])
def test_the_web_copy_has_a_listen_player_only_when_the_audio_is_public(status, mp3, listens):
    blobs = FakeBlobStore()
    blobs.put(version_key(DAY, 1, "edition.json"), edition_to_json(EDITION).encode(), "application/json")
    if mp3 is not None:
        blobs.put(PRIVATE, mp3, "audio/mpeg")
    record = EditionRecord(DAY, 1, "h", "sent", 1, "s", "t", audio_key=PRIVATE, audio_status=status)
    now = datetime(2026, 11, 28, 11, tzinfo=UTC)
    publish(record, blobs=blobs, env=environment(TEMPLATES), brand=Brand(), public_base_url=SITE, now=now)
    web = blobs.get(site_key(DAY, "index.html")).decode()
    assert "Quake strikes Lima" in web
    assert ("<audio" in web) is listens and ("edition.mp3" in web) is listens
    assert blobs.exists(site_key(DAY, "edition.mp3")) is listens
