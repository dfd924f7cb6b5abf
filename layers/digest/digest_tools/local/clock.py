"""The clock of the local tools: the system clock, or a pinned start given as ``DIGEST_NOW``.

``DIGEST_NOW=2026-12-02T00:30:00Z digest serve`` runs the local stack from that instant on (time
then passes as usual), so anyone can rehearse the morning at an awkward hour: tests pass the
instant to ``digest serve`` and ``digest demo`` subprocesses this way.
"""

from __future__ import annotations

import os

from digest.adapters.clock import ShiftedClock, SystemClock, parse_instant
from digest.errors import ConfigError
from digest.ports import Clock


def local_clock(pinned: str | None = None) -> Clock:
    """``pinned`` (or ``DIGEST_NOW``) as a moving clock's start; the system clock when unset."""
    text = pinned or os.environ.get("DIGEST_NOW", "")
    if not text.strip():
        return SystemClock()
    try:
        return ShiftedClock(parse_instant(text))
    except ValueError as exc:
        raise ConfigError(f"DIGEST_NOW: {exc}") from exc
