"""What a narrator reports when asked for an edition's audio."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Narration:
    """Outcome of a narration request.

    ``status``: "ready" (the MP3 is at the key), "pending" (an asynchronous task will write it
    and notify), or "placeholder" (a silent stand-in was stored). ``chapters`` are
    (anchor, start seconds) pairs, one per story, when known.
    """

    status: str
    chapters: tuple[tuple[str, float], ...] = ()
    duration_seconds: float = 0.0
    size_bytes: int = 0
    task_id: str = ""
