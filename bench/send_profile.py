"""Where the send path's time goes: cProfile over the delivery benchmark's Sender, by area.

Own time of each profiled function is summed by area (file or function name); the time of a
builtin or a dataclass ``__init__`` counts for the functions that call it.
"""

from __future__ import annotations

import cProfile
import pstats
import time

from bench.delivery import BATCH, DAY, VERSION, Sink, sender
from digest.core.pacing import Pacer

AREAS = (  # (label, substrings of a profile entry's file or function name), first match wins
    ("MIME (core/message, email.utils)", ("core/message.py", "email/")),
    ("token signing (core/tokens, itsdangerous, hmac)", ("core/tokens.py", "itsdangerous", "hmac", "zlib")),
    ("personalize (core/render)", ("core/render.py", "html/__init__")),
    ("ledger, stores, SES sink (in-process fakes)", ("bench/delivery.py",)),
    ("pacing (core/pacing)", ("core/pacing.py",)),
    ("logging", ("logging", "aws_lambda_powertools")),
    ("Sender loop (services/send)", ("services/send.py",)),
)


def _area(where: str) -> str:
    return next((label for label, keys in AREAS if any(k in where for k in keys)), "other")


def profile(text: str, html: str, n: int = 2_000) -> list[tuple[str, float]]:
    """Share of own time by area over ``n`` recipients (cProfile), largest first."""
    send, ids = sender(text, html, n, Sink(), Pacer(1e12, 1_000_000_000, time.monotonic, time.sleep))
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(0, n, BATCH):
        send.send_batch(DAY, VERSION, ids[i : i + BATCH])
    profiler.disable()
    totals: dict[str, float] = {}
    for (path, _, name), (_, _, own, _, callers) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        if path in ("~", "<string>") and callers:  # a builtin or generated __init__: its callers' time
            for (cpath, _, cname), (_, _, part, _) in callers.items():
                area = _area(f"{cpath}:{cname}")
                totals[area] = totals.get(area, 0.0) + part
        else:
            area = _area(f"{path}:{name}")
            totals[area] = totals.get(area, 0.0) + own
    whole = sum(totals.values()) or 1.0
    return sorted(((area, t / whole) for area, t in totals.items()), key=lambda a: -a[1])
