"""Timing helpers shared by the benchmarks: best-of-N wall time, so noise inflates less."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of ``repeat`` runs of ``fn``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def row(*cells: object, widths: tuple[int, ...] = (28, 14, 14, 10)) -> str:
    return "".join(f"{str(c):<{w}}" for c, w in zip(cells, widths))
