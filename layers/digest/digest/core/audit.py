"""The editors' trail: each action on an edition, and the long actions that run on their own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuditEntry:
    """One editor action: who did what to which edition version, and when."""

    edition_date: str
    at: str
    actor: str
    action: str
    version: int
    outcome: str
    detail: str = ""


@dataclass(frozen=True)
class ActionRecord:
    """An editor action that runs asynchronously: queued, running, done (``result``) or failed (``reason``).

    ``request`` and ``result`` are JSON texts; ``deadline`` (ISO time) is when a queued action
    must have started, or a running one ended, else it counts as failed.
    """

    action_id: str
    edition_date: str
    kind: str
    actor: str
    state: str
    created_at: str
    updated_at: str
    deadline: str
    request: str = "{}"
    result: str = ""
    reason: str = ""
    refused: bool = False  # failed because the edition's state or the request did not allow it
