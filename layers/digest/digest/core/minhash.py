"""Similarity primitives of clustering: MinHash signatures and LSH banding (near-duplicate text
found without comparing all pairs), time-windowed candidate pairs, IDF-weighted overlap, union-find.

Each distinct shingle is hashed once with BLAKE2b; the ``num_perm`` permutations are then cheap
universal hashes ``(a * x + b) mod p`` with ``p = 2**61 - 1`` and fixed, seed-derived ``a, b``,
so signatures are identical across runs and machines. All permutations of a shingle are computed
at once on one big integer holding an 88-bit lane per permutation (exact integer arithmetic, so
the values are those of the formula), and the per-lane minimum is kept the same way.
"""

from __future__ import annotations

import hashlib
import math
import operator
import re
import struct
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import chain

PRIME = (1 << 61) - 1
_LANE = 88  # bits per permutation: the unreduced a * x + b stays under 2**84 (see MinHasher)
_TOKEN = re.compile(r"\w+(?:[.,:'\u2019-]\w+)*")
_POSSESSIVE = re.compile(r"'s$", re.MULTILINE)
STOP_WORDS = frozenset(
    "a about after against all also an and are as at be been before but by can could did do does "
    "for from had has have he her him his how i if in into is it its just last may me more most "
    "my new no not now of on one only or other our out over said says she should since so some "
    "than that the their them then there these they this those through to two under up us was we "
    "were what when where which while who will with would year years you".split()
)


@lru_cache(maxsize=1 << 16)
def normalize(word: str) -> str:
    """Lower-case ``word``, drop accents and a trailing possessive.

    Examples
    --------
    >>> normalize("Camaná's")
    'camana'
    """
    plain = word
    if not word.isascii():
        plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
        plain = plain.replace("\u2019", "'")
    plain = plain.lower()
    return plain[:-2] if plain.endswith("'s") else plain


def tokens(text: str) -> list[tuple[str, str]]:
    """Words of ``text`` as ``(original, normalized)`` pairs; numbers like 2,400 or 4:42 stay whole.

    Examples
    --------
    >>> tokens("Peru's 7.1 quake")
    [("Peru's", 'peru'), ('7.1', '7.1'), ('quake', 'quake')]
    """
    return list(zip(*words(text)))


def words(text: str) -> tuple[list[str], list[str]]:
    """The words of ``text`` (as :func:`tokens` finds them) and their normalized forms.

    Examples
    --------
    >>> words("Peru's 7.1 quake")
    (["Peru's", '7.1', 'quake'], ['peru', '7.1', 'quake'])
    """
    found = _TOKEN.findall(text or "")
    joined = "\n".join(found)
    if not found or not joined.isascii():
        return found, list(map(normalize, found))
    return found, _POSSESSIVE.sub("", joined.lower()).split("\n")  # normalize, for all at once


def shingles(text: str, size: int = 2) -> set[str]:
    """Word ``size``-grams of the content words of ``text`` (stop words removed).

    A text with fewer content words than ``size`` gives its words as single shingles.

    Examples
    --------
    >>> sorted(shingles("The quake hit Lima on Friday"))
    ['hit lima', 'lima friday', 'quake hit']
    >>> shingles("")
    set()
    """
    return word_shingles([n for _, n in tokens(text)], size)


def word_shingles(words: Sequence[str], size: int = 2) -> set[str]:
    """Shingles of already normalized ``words``, stop words removed (see :func:`shingles`).

    Examples
    --------
    >>> sorted(word_shingles(["quake", "hit", "the", "coast"]))
    ['hit coast', 'quake hit']
    """
    content = [w for w in words if w not in STOP_WORDS]
    if len(content) < max(1, size):
        return set(content)
    return {" ".join(content[i : i + size]) for i in range(len(content) - size + 1)}


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
            (_hash64(f"{seed}:a:{i}") % (PRIME - 1) + 1, _hash64(f"{seed}:b:{i}") % PRIME)
            for i in range(self.num_perm)
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
    return sum(map(operator.eq, sig_a, sig_b)) / len(sig_a)


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


def find(parent: list[int], i: int) -> int:
    """Union-find root of ``i`` (with path halving); join two sets with ``parent[find(a)] = find(b)``.

    Examples
    --------
    >>> parent = [0, 0, 1]
    >>> find(parent, 2), parent
    (0, [0, 0, 0])
    """
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i
