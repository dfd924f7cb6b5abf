"""A fetch of a source, and what we remember about the source between fetches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Fetched:
    """Outcome of one HTTP fetch: ``body`` is None when not modified or failed (see ``error``)."""

    url: str
    status: int
    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    refused: bool = False  # our own refusal (address, scheme, redirects): never retried


@dataclass(frozen=True)
class FeedState:
    """What we remember about a source between runs: validators for a conditional GET."""

    source: str
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime | None = None
