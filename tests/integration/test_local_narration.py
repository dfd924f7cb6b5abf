"""The local narrator with the real espeak-ng and lame: per-story ID3 chapters in one MP3."""

from __future__ import annotations

import io
import shutil
import wave
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from digest.adapters import espeak
from digest.adapters.espeak import EspeakNarrator
from digest.adapters.id3 import add_chapters, mp3_duration
from digest.core.edition import Brand, Edition, EditionStory, Link
from digest.core.render import environment
from digest.errors import NarrationError
from tests.support.id3 import read_chapters

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
KEY = "site/2026-11-28/edition.mp3"
HEADLINES = [
    "Strong earthquake strikes Lima, Peru",
    "Swiss central bank cuts rates below zero",
    "AT&T and Tom's shop <merge>",
]

needs_tools = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("lame") is None,
    reason="espeak-ng and lame are needed for local narration (scripts/system-deps.sh installs them)",
)


class MemoryBlobs:
    """A BlobStore in a dict."""

    def __init__(self) -> None:
        self.data: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.data[key] = (data, content_type)

    def get(self, key: str) -> bytes | None:
        return self.data[key][0] if key in self.data else None

    def exists(self, key: str) -> bool:
        return key in self.data


def render_ssml(headlines: list[str]) -> str:
    stories = [
        EditionStory(
            f"story-{i}",
            f"c{i}",
            headline,
            f"Officials said on Friday that {i} things happened. More details are expected later today.",
            ["Reuters"],
            [Link("Reuters", f"https://reuters.example/{i}")],
        )
        for i, headline in enumerate(headlines, start=1)
    ]
    edition = Edition(
        date="2026-11-28",
        date_label="Saturday, November 28, 2026",
        title="Morning Digest",
        lang="en",
        preheader="",
        web_url="https://news.example.org/digest/2026-11-28/index.html",
        audio_url=None,
        lead=stories[0],
        stories=stories[1:],
    )
    return environment(TEMPLATES).get_template("edition.ssml.j2").render(edition=edition, brand=Brand(), recipient=None)


@pytest.fixture(scope="module")
def narrated():
    blobs = MemoryBlobs()
    narrator = EspeakNarrator(blobs)
    narration = narrator.narrate(render_ssml(HEADLINES), KEY)
    return narrator, narration, blobs.data[KEY]


@needs_tools
def test_narration_is_a_ready_mp3_with_its_size_and_duration(narrated):
    narrator, narration, (data, content_type) = narrated
    assert narration.status == "ready" and narrator.notice == ""
    assert content_type == "audio/mpeg"
    assert narration.size_bytes == len(data)
    length = MP3(io.BytesIO(data)).info.length
    assert length > 5
    assert narration.duration_seconds == pytest.approx(length, abs=0.05)


@needs_tools
def test_id3_chapters_match_the_narration_and_the_headlines(narrated):
    _, narration, (data, _) = narrated
    chapters = read_chapters(data)
    assert [anchor for anchor, _, _ in chapters] == ["story-1", "story-2", "story-3"]
    assert [title for _, _, title in chapters] == HEADLINES
    starts = [start for _, start, _ in chapters]
    assert 0 < starts[0] < starts[1] < starts[2] < narration.duration_seconds
    assert [a for a, _ in narration.chapters] == ["story-1", "story-2", "story-3"]
    for (anchor, start, _), (returned_anchor, returned) in zip(chapters, narration.chapters):
        assert anchor == returned_anchor
        assert start == pytest.approx(returned, abs=0.05)


@needs_tools
def test_chapter_frames_are_ordered_and_the_last_ends_at_the_end(narrated):
    _, narration, (data, _) = narrated
    tags = ID3(io.BytesIO(data))
    assert tags.version[:2] == (2, 4)
    assert str(tags["TIT2"]) == "Morning Digest"
    (toc,) = tags.getall("CTOC")
    assert toc.flags == 3  # top level, ordered
    assert toc.child_element_ids == ["story-1", "story-2", "story-3"]
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    for chap, following in zip(chaps, chaps[1:]):
        assert chap.end_time == following.start_time
    total_ms = mp3_duration(data) * 1000
    assert chaps[-1].end_time == pytest.approx(total_ms, abs=50)


def test_add_chapters_to_a_placeholder_and_read_them_back():
    mp3 = espeak.placeholder_mp3()
    tagged = add_chapters(mp3, [("story-2", 0.5, "Second"), ("story-1", 0.0, "First & <best>")], 1.0, "T")
    assert read_chapters(tagged) == [("story-1", 0.0, "First & <best>"), ("story-2", 0.5, "Second")]
    assert read_chapters(mp3) == []
    retagged = add_chapters(tagged, [("story-1", 0.25, "Only")], 1.0, "T")
    assert read_chapters(retagged) == [("story-1", 0.25, "Only")]
    assert mp3_duration(retagged) == pytest.approx(mp3_duration(mp3), abs=0.01)


def test_placeholder_when_the_tools_are_missing(monkeypatch):
    monkeypatch.setattr(espeak.shutil, "which", lambda name: None)
    blobs = MemoryBlobs()
    narrator = EspeakNarrator(blobs)
    narration = narrator.narrate(render_ssml(HEADLINES), KEY)
    assert narration.status == "placeholder"
    assert "not installed" in narrator.notice
    data, content_type = blobs.data[KEY]
    assert content_type == "audio/mpeg" and narration.size_bytes == len(data)
    assert 0.5 < MP3(io.BytesIO(data)).info.length < 2


def test_a_failing_tool_raises_narration_error(monkeypatch):
    monkeypatch.setattr(espeak.shutil, "which", lambda name: "/bin/false")
    blobs = MemoryBlobs()
    with pytest.raises(NarrationError, match="false failed") as caught:
        EspeakNarrator(blobs).narrate(render_ssml(HEADLINES), KEY)
    assert caught.value.__cause__ is not None
    assert not blobs.data


def test_join_wavs_measures_parts_and_refuses_mixed_formats(tmp_path):
    def write(name: str, rate: int, frames: int) -> Path:
        path = tmp_path / name
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1), out.setsampwidth(2), out.setframerate(rate)
            out.writeframes(bytes(2 * frames))
        return path

    a, b = write("a.wav", 22050, 22050), write("b.wav", 22050, 11025)
    assert espeak.join_wavs([a, b], tmp_path / "ab.wav") == [1.0, 0.5]
    with wave.open(str(tmp_path / "ab.wav")) as joined:
        assert joined.getnframes() == 33075
    with pytest.raises(NarrationError, match="format"):
        espeak.join_wavs([a, write("c.wav", 16000, 100)], tmp_path / "ac.wav")
