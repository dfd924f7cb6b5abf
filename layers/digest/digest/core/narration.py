"""What a narrator reports when asked for an edition's audio, and where a script's audio is kept."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

AUDIO_NAME = "edition.mp3"
_SCRIPT = re.compile(r"(\d{4}-\d{2}-\d{2})-[0-9a-f]{16}")


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


def script_id(day: str, ssml: str) -> str:
    """The identity of one narration: the edition date and a hash of the spoken text (SSML).

    Two versions whose spoken text is the same share one narration (and one MP3).

    Examples
    --------
    >>> script_id("2026-11-28", "<speak>Hi</speak>")
    '2026-11-28-a5024ffb687e2564'
    >>> script_id("2026-11-28", "<speak>Hi</speak>") == script_id("2026-11-28", "<speak>Hi.</speak>")
    False
    """
    return f"{day}-{hashlib.sha256(ssml.encode('utf-8')).hexdigest()[:16]}"


def audio_key(day: str, ssml: str) -> str:
    """The private S3 key of the MP3 of ``ssml``: under the edition's private ``editions/`` prefix,
    never the public ``site/`` one (the audio is published with the web copy when the edition
    is sent). The folder is the script's id, so the narrator's output prefix
    (``polly/<script id>/``) says which script Polly's notices are about.

    Examples
    --------
    >>> audio_key("2026-11-28", "<speak>Hi</speak>")
    'editions/2026-11-28/audio/2026-11-28-a5024ffb687e2564/edition.mp3'
    """
    return f"editions/{day}/audio/{script_id(day, ssml)}/{AUDIO_NAME}"


def key_of_script(script: str) -> str:
    """The private MP3 key of a script id (the folder of :func:`audio_key`); ``""`` when malformed.

    Examples
    --------
    >>> key_of_script("2026-11-28-a5024ffb687e2564")
    'editions/2026-11-28/audio/2026-11-28-a5024ffb687e2564/edition.mp3'
    >>> key_of_script("2026-11-28")
    ''
    """
    found = _SCRIPT.fullmatch(script)
    return f"editions/{found.group(1)}/audio/{script}/{AUDIO_NAME}" if found else ""
