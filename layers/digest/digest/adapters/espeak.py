"""Local narrator standing in for Polly: espeak-ng reads the SSML, lame encodes the MP3.

The script is split at its story marks; each segment is spoken to its own WAV, the WAVs are
joined, and their cumulative lengths become the ID3 chapters of the one MP3.
When either program is missing it stores a short valid (silent) MP3 instead and says so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

from aws_lambda_powertools import Logger

from digest.adapters.id3 import add_chapters, mp3_duration
from digest.core.narration import Narration
from digest.core.speech import INTRO, Segment, first_sentence, split_ssml
from digest.errors import NarrationError
from digest.ports import BlobStore

logger = Logger(child=True)

TITLE = "Morning Digest"
CHAPTER_PREFIX = "story-"

# One MPEG-1 Layer III frame header (128 kbit/s, 44.1 kHz, mono) with empty side info: silence.
_FRAME = bytes([0xFF, 0xFB, 0x90, 0xC4]) + bytes(413)
PLACEHOLDER_MP3 = _FRAME * 40  # about one second


def placeholder_mp3() -> bytes:
    """About a second of silent, valid MP3 frames."""
    return PLACEHOLDER_MP3


def join_wavs(parts: list[Path], out: Path) -> list[float]:
    """Concatenate WAV files of equal format into ``out``; returns each part's length in seconds."""
    durations: list[float] = []
    try:
        with wave.open(str(out), "wb") as joined:
            for index, part in enumerate(parts):
                with wave.open(str(part), "rb") as source:
                    params = source.getparams()
                    if index == 0:
                        joined.setparams(params)
                    elif params[:3] != joined.getparams()[:3]:
                        raise NarrationError(f"{part.name} has format {params[:3]}, not {joined.getparams()[:3]}")
                    frames = source.readframes(params.nframes)
                durations.append(len(frames) / (params.sampwidth * params.nchannels) / params.framerate)
                joined.writeframes(frames)
    except (wave.Error, EOFError, OSError) as exc:
        raise NarrationError(f"could not join the WAV segments: {exc}") from exc
    return durations


def chapter_starts(segments: list[Segment], durations: list[float]) -> list[tuple[str, float, str]]:
    """(anchor, start seconds, headline) of each story segment, from the lengths of all segments."""
    chapters, elapsed = [], 0.0
    for segment, seconds in zip(segments, durations):
        if segment.anchor.startswith(CHAPTER_PREFIX):
            chapters.append((segment.anchor, elapsed, first_sentence(segment.ssml) or segment.anchor))
        elapsed += seconds
    return chapters


class EspeakNarrator:
    def __init__(self, blobs: BlobStore, voice: str = "en-us", words_per_minute: int = 165) -> None:
        self.blobs, self.voice, self.wpm = blobs, voice, words_per_minute
        self.notice = ""

    def narrate(self, ssml: str, key: str) -> Narration:
        espeak, lame = shutil.which("espeak-ng"), shutil.which("lame")
        if not (espeak and lame):
            self.notice = "espeak-ng or lame is not installed: stored a silent placeholder MP3 instead of speech"
            logger.warning(self.notice)
            self.blobs.put(key, placeholder_mp3(), "audio/mpeg")
            return Narration("placeholder", size_bytes=len(PLACEHOLDER_MP3))
        # A script that does not parse is still spoken, as one piece without chapters.
        segments = split_ssml(ssml) or [Segment(INTRO, ssml)]
        with tempfile.TemporaryDirectory() as tmp:
            wavs = [Path(tmp, f"segment-{i:03d}.wav") for i in range(len(segments))]
            for segment, wav in zip(segments, wavs):
                self._speak(espeak, segment.ssml, wav)
            joined, mp3 = Path(tmp, "edition.wav"), Path(tmp, "edition.mp3")
            durations = join_wavs(wavs, joined)
            self._run([lame, "--quiet", "-V", "6", "--tt", TITLE, str(joined), str(mp3)], b"")
            data = mp3.read_bytes()
        chapters = chapter_starts(segments, durations)
        duration = mp3_duration(data)
        data = add_chapters(data, chapters, duration, TITLE)
        self.blobs.put(key, data, "audio/mpeg")
        self.notice = ""
        return Narration(
            "ready",
            chapters=tuple((anchor, start) for anchor, start, _ in chapters),
            duration_seconds=duration,
            size_bytes=len(data),
        )

    def _speak(self, espeak: str, ssml: str, wav: Path) -> None:
        self._run([espeak, "-m", "-v", self.voice, "-s", str(self.wpm), "-w", str(wav)], ssml.encode("utf-8"))

    @staticmethod
    def _run(command: list[str], stdin: bytes) -> None:
        try:
            subprocess.run(command, input=stdin, check=True, capture_output=True, timeout=300)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise NarrationError(f"{Path(command[0]).name} failed: {exc}") from exc
