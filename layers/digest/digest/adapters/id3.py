"""ID3v2.4 chapters (``CTOC`` + ``CHAP``) in MP3 bytes, with mutagen, for podcast players.

See the ID3v2 Chapter Frame Addendum: one top-level, ordered table of contents whose children
are the chapters' element ids; each ``CHAP`` carries start/end in milliseconds and a ``TIT2``.
"""

from __future__ import annotations

import io

from mutagen import MutagenError
from mutagen.id3 import CHAP, CTOC, ID3, TIT2, CTOCFlags, Encoding, ID3NoHeaderError
from mutagen.mp3 import MP3

from digest.errors import NarrationError

TOC_ID = "toc"
_NO_OFFSET = 0xFFFFFFFF  # "byte offsets not given": players use the times


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _tags(buffer: io.BytesIO) -> ID3:
    try:
        return ID3(buffer)
    except ID3NoHeaderError:
        return ID3()


def add_chapters(mp3: bytes, chapters: list[tuple[str, float, str]], duration_seconds: float, title: str) -> bytes:
    """``mp3`` with an ID3v2.4 title and chapters: ``CTOC`` plus one ``CHAP`` per (anchor, start, title).

    Chapters are ordered by start; each ends where the next starts, the last at ``duration_seconds``.
    Existing chapter frames are replaced; other tags are kept.
    """
    ordered = sorted(chapters, key=lambda c: c[1])
    buffer = io.BytesIO(mp3)
    try:
        tags = _tags(buffer)
        tags.delall("CHAP")
        tags.delall("CTOC")
        tags.setall("TIT2", [TIT2(encoding=Encoding.UTF8, text=[title])])
        if ordered:
            tags.add(
                CTOC(
                    element_id=TOC_ID,
                    flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                    child_element_ids=[anchor for anchor, _, _ in ordered],
                    sub_frames=[TIT2(encoding=Encoding.UTF8, text=[title])],
                )
            )
        ends = [start for _, start, _ in ordered[1:]] + [duration_seconds]
        for (anchor, start, name), end in zip(ordered, ends):
            tags.add(
                CHAP(
                    element_id=anchor,
                    start_time=_ms(start),
                    end_time=max(_ms(start), _ms(end)),
                    start_offset=_NO_OFFSET,
                    end_offset=_NO_OFFSET,
                    sub_frames=[TIT2(encoding=Encoding.UTF8, text=[name or anchor])],
                )
            )
        buffer.seek(0)
        tags.save(buffer, v2_version=4)
    except (MutagenError, ValueError, OSError) as exc:
        raise NarrationError(f"could not write ID3 chapters: {exc}") from exc
    return buffer.getvalue()


def mp3_duration(mp3: bytes) -> float:
    """Length of ``mp3`` in seconds, as mutagen (and so most players) reckon it."""
    try:
        return float(MP3(io.BytesIO(mp3)).info.length)
    except (MutagenError, ValueError, OSError) as exc:
        raise NarrationError(f"not a readable MP3: {exc}") from exc


class Tagger:
    """The ``AudioTagger`` port over this module."""

    duration = staticmethod(mp3_duration)

    @staticmethod
    def with_chapters(mp3: bytes, chapters: list[tuple[str, float, str]], duration: float, title: str) -> bytes:
        return add_chapters(mp3, chapters, duration, title)
