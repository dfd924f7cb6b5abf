"""The stored edition version: where its renderings are, its lifecycle state, its audio.

Its status moves only through :meth:`EditionRecord.moved`, which asks the lifecycle
(:mod:`digest.core.lifecycle`) and refuses illegal moves; no service writes a status by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from digest.core.lifecycle import HOLD, transition


class AudioStatus(StrEnum):
    """Where an edition version's audio is: none yet, a task starting or pending, ready, a silent
    placeholder (local narration without espeak-ng), or failed."""

    NONE = "none"
    STARTING = "starting"
    PENDING = "pending"
    READY = "ready"
    PLACEHOLDER = "placeholder"
    FAILED = "failed"


@dataclass(frozen=True)
class EditionRecord:
    """A stored version of an edition: where its renderings are and what state it is in."""

    edition_date: str
    version: int
    content_hash: str
    status: str
    story_count: int
    subject: str
    created_at: str
    audio_key: str = ""
    audio_status: str = AudioStatus.NONE
    reason: str = ""  # why it is held
    story_ids: tuple[str, ...] = ()  # every wire story the version draws on
    audio_seconds: float = 0.0
    audio_bytes: int = 0
    chapters: tuple[tuple[str, float], ...] = ()  # (anchor, start seconds) per story

    def moved(self, action: str, *, require_approval: bool = True, reason: str = "") -> EditionRecord:
        """This version after the lifecycle ``action``: IllegalTransition when it is not allowed.

        A hold records its ``reason`` (required); any other move clears the reason.

        Examples
        --------
        >>> draft = EditionRecord("2026-11-28", 1, "h", "draft", 8, "s", "t")
        >>> held = draft.moved("hold", reason="legal review")
        >>> str(held.status), held.reason
        ('held', 'legal review')
        >>> held.moved("release").status == "draft"
        True
        """
        status = transition(self.status, action, require_approval=require_approval, reason=reason or self.reason)
        return replace(self, status=status, reason=reason[:1000] if action == HOLD else "")
