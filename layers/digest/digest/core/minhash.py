"""MinHash signatures and LSH banding: near-duplicate text found without comparing all pairs.

Each distinct shingle is hashed once with BLAKE2b; the ``num_perm`` permutations are then cheap
universal hashes ``(a * x + b) mod p`` with ``p = 2**61 - 1`` and fixed, seed-derived ``a, b``,
so signatures are identical across runs and machines. All permutations of a shingle are computed
at once on one big integer holding an 88-bit lane per permutation (exact integer arithmetic, so
the values are those of the formula), and the per-lane minimum is kept the same way. Written
here rather than taken from datasketch: that library needs numpy, which the Lambda layer does not
carry, and the lane trick makes this as fast for the few thousand stories of a day.
"""

from __future__ import annotations

import hashlib
import operator
import struct
from collections.abc import Iterable, Sequence

PRIME = (1 << 61) - 1
_LANE = 88  # bits per permutation: the unreduced a * x + b stays under 2**84 (see MinHasher)


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


class MinHasher:
    """Deterministic MinHash over string shingles.

    Parameters
    ----------
    num_perm : int
        Signature length (number of hash permutations).
    seed : str
        Derives the permutations; the same seed gives the same signatures everywhere.

    Examples
    --------
    >>> mh = MinHasher(64)
    >>> a = mh.signature({"quake hit", "hit lima", "lima peru"})
    >>> mh.signature({"lima peru", "hit lima", "quake hit"}) == a
    True
    >>> jaccard(a, a), jaccard(a, mh.signature({"rates held"})) < 0.2
    (1.0, True)
    """

    def __init__(self, num_perm: int = 64, seed: str = "morning-digest") -> None:
        self.num_perm = max(1, num_perm)
        self._perms = [
            (_hash64(f"{seed}:a:{i}") % (PRIME - 1) + 1, _hash64(f"{seed}:b:{i}") % PRIME) for i in range(self.num_perm)
        ]
        self._cache: dict[str, int] = {}
        self._one = sum(1 << (_LANE * i) for i in range(self.num_perm))  # 1 in every lane
        # a * x is summed from x's three 21-bit pieces times a * 2**(21 k) mod p: lanes < 2**84
        self._a = [sum((a << 21 * k) % PRIME << _LANE * i for i, (a, _) in enumerate(self._perms)) for k in range(3)]
        self._b = sum(b << _LANE * i for i, (_, b) in enumerate(self._perms))
        self._unpack = struct.Struct("<" + "Q3x" * self.num_perm)  # the low 64 bits of each lane

    def _base(self, shingle: str) -> int:
        value = self._cache.get(shingle)
        if value is None:
            value = self._cache[shingle] = _hash64(shingle) % PRIME
        return value

    def signature(self, items: Iterable[str]) -> tuple[int, ...]:
        """The MinHash signature of a set of shingles (empty tuple for an empty set)."""
        one, (a0, a1, a2), b, least = self._one, self._a, self._b, None
        mask, low23, bit61, bit64 = one * PRIME, one * 0x7FFFFF, one << 61, one << 64  # per lane
        for x in {self._base(s) for s in items}:
            y = a0 * (x & 0x1FFFFF) + a1 * (x >> 21 & 0x1FFFFF) + a2 * (x >> 42) + b  # = a * x + b mod p
            y = (y & mask) + (y >> 61 & low23)  # the same mod p (2**61 = 1), lanes < 2**61 + 2**23
            y = (y & mask) + (y >> 61 & one)  # lanes <= p
            if over := (y + one) & bit61:  # lanes holding p, i.e. 0
                y -= (over >> 61) * PRIME
            if least is None:
                least = y
                continue
            take = ((least | bit64) - y) & bit64  # bit 64 stays where least >= y ...
            least ^= (least ^ y) & (take - (take >> 64))  # ... and those lanes take y
        if least is None:
            return ()
        return self._unpack.unpack(least.to_bytes(self._unpack.size, "little"))


def jaccard(sig_a: Sequence[int], sig_b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two signatures (0.0 if either is empty).

    Examples
    --------
    >>> jaccard((1, 2, 3, 4), (1, 2, 0, 0)), jaccard((), (1,))
    (0.5, 0.0)
    """
    if not sig_a or not sig_b or len(sig_a) != len(sig_b):
        return 0.0
    same: int = sum(map(operator.eq, sig_a, sig_b))
    return same / len(sig_a)


def band_keys(sig: Sequence[int], bands: int) -> list[tuple[int, int]]:
    """LSH bucket keys ``(band, hash of the band's rows)``; equal keys make a candidate pair.

    With ``b`` bands of ``r`` rows, a pair of Jaccard ``s`` becomes a candidate with probability
    ``1 - (1 - s**r)**b`` (about 0.99 at s = 0.5 and 0.87 at s = 0.25 for 32 bands of 2 rows).

    Examples
    --------
    >>> band_keys((5, 6, 7, 8), 2) == [(0, hash((5, 6))), (1, hash((7, 8)))]
    True
    >>> band_keys((), 4)
    []
    """
    if not sig or bands <= 0:
        return []
    rows = max(1, len(sig) // bands)
    return [(b, hash(tuple(sig[b * rows : (b + 1) * rows]))) for b in range(len(sig) // rows)]
