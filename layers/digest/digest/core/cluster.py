"""Group stories about the same event (across agencies and updates) into clusters.

Two signals link a pair of stories, and each is only ever computed for candidate pairs that a
blocking index proposes, published at most ``window`` apart, so the work grows with the number
of stories rather than with its square:

* near-duplicates (updates, write-throughs, re-sends): MinHash signatures of the 2-word shingles
  of headline + first two sentences, LSH banding as the blocking index, linked when the estimated
  Jaccard similarity is at least ``threshold``;
* differently worded reports of the same event (one per agency): an inverted index on the rare
  named-entity-ish tokens (capitalized words, numbers; tokens in more than ~5% of the stories, or
  in more than ``MAX_POSTINGS`` of them, are not indexed, so each key proposes a bounded number of
  pairs), linked when the *event similarity* is at least ``related``. Event similarity is
  the mean of two IDF-weighted Jaccard overlaps: entity tokens of the whole story, and content
  words of headline + first two sentences.

Linked pairs are joined with union-find; the partition does not depend on input order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import chain

from digest.core.attribution import strip_dateline
from digest.core.minhash import MinHasher, band_keys, jaccard
from digest.core.similarity import idf_weights, weighted_jaccard, window_pairs
from digest.core.story import Story
from digest.core.text import sentences
from digest.core.words import CALENDAR_WORDS, STOP_WORDS, word_shingles, words

_NOT_ENTITIES = STOP_WORDS | CALENDAR_WORDS
NUM_PERM, BANDS = 64, 32  # 32 bands of 2 rows: a pair with Jaccard 0.5 is a candidate 99.99% of the time
# Entity tokens in more than 5% of the stories (but at least MIN_POSTINGS), or in more than
# MAX_POSTINGS, are not blocking keys: a key then proposes at most MAX_POSTINGS**2 / 2 pairs, and
# the candidate pairs grow linearly with the stories (a token just under 5% of 20,000 stories
# would propose ~500,000). An event rarely has 50 reports in 36 hours; its rarer names still link.
MAX_POSTINGS_SHARE, MIN_POSTINGS, MAX_POSTINGS = 0.05, 10, 50
# Default ``related``: on the sample day same-event pairs score >= 0.116, other pairs <= 0.053.
RELATED = 0.08


@dataclass
class Cluster:
    """Stories about one event, oldest first. ``lead`` is the story whose copy the summary uses."""

    stories: list[Story] = field(default_factory=list)
    words: set[str] = field(default_factory=set)

    @property
    def lead(self) -> Story:
        return self.stories[0]

    @property
    def agencies(self) -> list[str]:
        return list(dict.fromkeys([s.agency for s in self.stories]))

    @property
    def cluster_id(self) -> str:
        return min([s.story_id for s in self.stories], default="")


@dataclass(frozen=True)
class ClusterStats:
    """How much work a clustering did: ``pairs_examined`` is the number of distinct candidate
    pairs whose similarity was computed (all-pairs would be ``n * (n - 1) / 2``)."""

    stories: int = 0
    lsh_pairs: int = 0
    entity_pairs: int = 0
    pairs_examined: int = 0
    links: int = 0
    clusters: int = 0


@dataclass(frozen=True)
class _Features:
    signature: tuple[int, ...]
    entities: frozenset[str]
    words: frozenset[str]


def _features(story: Story, hasher: MinHasher) -> _Features:
    """Signature of headline + first two sentences; entity tokens of the story; content words."""
    body = strip_dateline(story.body or "")
    title_words, title_normal = words(story.title or "")
    body_words, body_normal = words(body)  # with the title's: the tokens of f"{title}\n{body}"
    entities = frozenset(
        n
        for w, n in zip(title_words + body_words, title_normal + body_normal)
        if n not in _NOT_ENTITIES and len(n) > 1 and (w[0].isupper() or w[0].isdigit())
    )
    head_words = title_normal + words(" ".join(sentences(body)[:2]))[1]
    content = frozenset(n for n in head_words if n not in STOP_WORDS and (len(n) > 2 or n.isdigit()))
    return _Features(hasher.signature(word_shingles(head_words)), entities, content)


def cluster_with_stats(
    stories: list[Story],
    threshold: float = 0.5,
    *,
    related: float | None = RELATED,
    window: timedelta = timedelta(hours=36),
) -> tuple[list[Cluster], ClusterStats]:
    """Cluster ``stories`` (see :func:`cluster`) and report the work done.

    Examples
    --------
    >>> clusters, stats = cluster_with_stats([])
    >>> clusters, stats.pairs_examined
    ([], 0)
    """
    ordered = sorted(stories, key=lambda s: (s.published, s.story_id))
    n = len(ordered)
    hasher = MinHasher(NUM_PERM)
    feats = [_features(s, hasher) for s in ordered]
    times = [s.published.timestamp() for s in ordered]
    span = window.total_seconds()

    lsh: set[tuple[int, int]] = set()
    first: dict[tuple[int, int], int] = {}  # bucket -> its first story; most buckets stay single
    buckets: dict[tuple[int, int], list[int]] = {}
    for i, f in enumerate(feats):
        for key in band_keys(f.signature, BANDS):
            if (j := first.setdefault(key, i)) != i:
                buckets.setdefault(key, [j]).append(i)
    for members in buckets.values():
        lsh.update(window_pairs(members, times, span))

    entity_pairs: set[tuple[int, int]] = set()
    if related is not None:
        cap = max(MIN_POSTINGS, min(int(MAX_POSTINGS_SHARE * n), MAX_POSTINGS))
        df = Counter(chain.from_iterable(f.entities for f in feats))
        keys = {t for t, d in df.items() if 1 < d <= cap}
        postings: dict[str, list[int]] = defaultdict(list)
        for i, f in enumerate(feats):
            for t in f.entities & keys:
                postings[t].append(i)
        for members in postings.values():
            entity_pairs.update(p for p in window_pairs(members, times, span) if p not in lsh)

    parent = list(range(n))
    links = 0
    idf_e, idf_w = idf_weights([f.entities for f in feats]), idf_weights([f.words for f in feats])
    mass_e = [sum(map(idf_e.__getitem__, f.entities)) for f in feats]  # summed once, not per pair
    mass_w = [sum(map(idf_w.__getitem__, f.words)) for f in feats]
    for a, b in sorted(lsh | entity_pairs):
        fa, fb = feats[a], feats[b]
        linked = jaccard(fa.signature, fb.signature) >= threshold
        if not linked and related is not None and not fa.entities.isdisjoint(fb.entities):
            event = weighted_jaccard(fa.entities, fb.entities, idf_e, (mass_e[a], mass_e[b])) + weighted_jaccard(
                fa.words, fb.words, idf_w, (mass_w[a], mass_w[b])
            )
            linked = event / 2 >= related
        if linked:
            links += 1
            parent[_find(parent, a)] = _find(parent, b)

    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[_find(parent, i)].append(i)
    clusters = [
        Cluster([ordered[i] for i in members], {w for i in members for w in feats[i].words})
        for members in sorted(groups.values())
    ]
    stats = ClusterStats(n, len(lsh), len(entity_pairs), len(lsh) + len(entity_pairs), links, len(clusters))
    return clusters, stats


def cluster(
    stories: list[Story],
    threshold: float = 0.5,
    *,
    related: float | None = RELATED,
    window: timedelta = timedelta(hours=36),
) -> list[Cluster]:
    """Group stories about the same event; every story ends up in exactly one cluster.

    Parameters
    ----------
    stories : list of Story
        Any order; the result does not depend on it.
    threshold : float
        Minimum estimated Jaccard similarity (MinHash, 2-word shingles of headline and first two
        sentences) that links two near-duplicate stories.
    related : float or None
        Minimum event similarity (see the module docstring) that links two differently worded
        reports; ``None`` links near-duplicates only.
    window : timedelta
        Stories published further apart are never linked directly.

    Returns
    -------
    list of Cluster
        Stories oldest first in each; clusters ordered by their oldest story.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> mk = lambda i, a, title: Story(i, a, a, a, i, title, title + ".", "", t, i)
    >>> cs = cluster([mk("1", "ap", "Earthquake strikes Lima, Peru"),
    ...               mk("2", "afp", "Strong earthquake strikes Peru capital Lima"),
    ...               mk("3", "ap", "Central bank holds rates")])
    >>> [len(c.stories) for c in cs]
    [2, 1]
    """
    return cluster_with_stats(stories, threshold, related=related, window=window)[0]


def _find(parent: list[int], i: int) -> int:
    """Union-find root of ``i`` (with path halving); join two sets with ``parent[_find(a)] = _find(b)``.

    Examples
    --------
    >>> parent = [0, 0, 1]
    >>> _find(parent, 2), parent
    (0, [0, 0, 0])
    """
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i
