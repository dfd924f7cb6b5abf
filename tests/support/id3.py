"""Read back the ID3 chapters the narration writes, as a podcast player would."""

from __future__ import annotations

import io

from mutagen.id3 import CHAP, ID3, CTOCFlags, ID3NoHeaderError


def read_chapters(mp3: bytes) -> list[tuple[str, float, str]]:
    """(anchor, start seconds, title) of the chapters in ``mp3``: in table-of-contents order when
    there is a top-level ``CTOC``, else by start time; ``[]`` when there are none."""
    try:
        tags = ID3(io.BytesIO(mp3))
    except ID3NoHeaderError:
        return []
    chaps = {frame.element_id: frame for frame in tags.getall("CHAP")}
    tocs = [toc for toc in tags.getall("CTOC") if toc.flags & CTOCFlags.TOP_LEVEL]
    order = [cid for cid in tocs[0].child_element_ids if cid in chaps] if tocs else []
    order += sorted((cid for cid in chaps if cid not in order), key=lambda cid: chaps[cid].start_time)
    return [(cid, chaps[cid].start_time / 1000, _title(chaps[cid])) for cid in order]


def _title(chap: CHAP) -> str:
    frame = chap.sub_frames.get("TIT2")
    return str(frame.text[0]) if frame is not None and frame.text else ""
