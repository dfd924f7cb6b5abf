"""Local narrator standing in for Polly: espeak-ng reads the SSML, lame encodes the MP3.

When either program is missing it stores a short valid (silent) MP3 instead and says so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from aws_lambda_powertools import Logger

from digest.errors import NarrationError
from digest.ports import BlobStore, Narration

logger = Logger(child=True)

# One MPEG-1 Layer III frame header (128 kbit/s, 44.1 kHz, mono) with empty side info: silence.
_FRAME = bytes([0xFF, 0xFB, 0x90, 0xC4]) + bytes(413)
PLACEHOLDER_MP3 = _FRAME * 40  # about one second


def placeholder_mp3() -> bytes:
    """About a second of silent, valid MP3 frames."""
    return PLACEHOLDER_MP3


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
        with tempfile.TemporaryDirectory() as tmp:
            wav, mp3 = Path(tmp, "edition.wav"), Path(tmp, "edition.mp3")
            self._run([espeak, "-m", "-v", self.voice, "-s", str(self.wpm), "-w", str(wav)], ssml.encode("utf-8"))
            self._run([lame, "--quiet", "-V", "6", "--tt", "Morning Digest", str(wav), str(mp3)], b"")
            data = mp3.read_bytes()
            self.blobs.put(key, data, "audio/mpeg")
        self.notice = ""
        return Narration("ready", size_bytes=len(data))

    @staticmethod
    def _run(command: list[str], stdin: bytes) -> None:
        try:
            subprocess.run(command, input=stdin, check=True, capture_output=True, timeout=300)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise NarrationError(f"{Path(command[0]).name} failed: {exc}") from exc
