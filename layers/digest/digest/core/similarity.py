"""Overlap measures of clustering: time-windowed candidate pairs and IDF-weighted Jaccard."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain


def window_pairs(members: Sequence[int], times: Sequence[float], window: float) -> Iterator[tuple[int, int]]:
    """Pairs ``(a, b)`` of a posting list sorted by ``times[i]`` that lie at most ``window`` apart.

    Examples
    --------
    >>> list(window_pairs([0, 1, 2], [0.0, 5.0, 20.0], 10.0))
    [(0, 1)]
    """
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            if times[b] - times[a] > window:
                break
            yield a, b


def idf_weights(sets: Sequence[Iterable[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency ``log(1 + n / df)`` of every token in ``sets``.

    Examples
    --------
    >>> w = idf_weights([{"peru", "quake"}, {"peru"}])
    >>> round(w["quake"], 3), round(w["peru"], 3)
    (1.099, 0.693)
    """
    df = Counter(chain.from_iterable(map(set, sets)))
    idf = {d: math.log(1.0 + len(sets) / d) for d in set(df.values())}  # one log per distinct df
    return dict(zip(df, map(idf.__getitem__, df.values())))


def weighted_jaccard(
    a: frozenset[str], b: frozenset[str], weights: dict[str, float], masses: tuple[float, float] | None = None
) -> float:
    """Jaccard overlap with each token counted by its weight (unknown tokens weigh 1). ``masses``,
    the summed weights of ``a`` and of ``b`` if the caller has them, leaves only ``a & b`` to sum.

    Examples
    --------
    >>> weighted_jaccard(frozenset("ab"), frozenset("bc"), {"a": 1.0, "b": 2.0, "c": 1.0})
    0.5
    """
    weight = weights.get
    shared = sum(weight(t, 1.0) for t in a & b)
    mass_a, mass_b = masses or (sum(weight(t, 1.0) for t in a), sum(weight(t, 1.0) for t in b))
    union = mass_a + mass_b - shared
    return shared / union if union else 0.0
