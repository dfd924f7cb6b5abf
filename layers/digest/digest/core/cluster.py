"""Group stories about the same event (across agencies and updates) into clusters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from digest.core.story import Story

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and are as at be by for from has have he her his in is it its of on or said says "
    "that the their they this to was were will with after over new more than but not who".split()
)


def keywords(text: str) -> frozenset[str]:
    """Content words of a text (lower case, stop words removed).

    Examples
    --------
    >>> sorted(keywords("The Quake hit Lima on Friday"))
    ['friday', 'hit', 'lima', 'quake']
    """
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2)


@dataclass
class Cluster:
    """Stories about one event. ``lead`` is the story whose copy the summary uses."""

    stories: list[Story] = field(default_factory=list)
    words: set[str] = field(default_factory=set)

    @property
    def lead(self) -> Story:
        return self.stories[0]

    @property
    def agencies(self) -> list[str]:
        return list(dict.fromkeys(s.agency for s in self.stories))

    @property
    def cluster_id(self) -> str:
        return min(s.story_id for s in self.stories)


def _signature(story: Story) -> frozenset[str]:
    first = story.body.split(". ", 1)[0]
    return keywords(f"{story.title} {first}")


def cluster(stories: list[Story], threshold: float = 0.25) -> list[Cluster]:
    """Greedy single-pass clustering on keyword overlap of headline and lede.

    Stories are visited oldest first; each joins the cluster it overlaps most (Jaccard on
    keywords, at least ``threshold``), else starts its own.

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
    clusters: list[Cluster] = []
    for story in sorted(stories, key=lambda s: (s.published, s.story_id)):
        words = _signature(story)
        best, best_score = None, threshold
        for candidate in clusters:
            union = len(words | candidate.words) or 1
            score = len(words & candidate.words) / union
            if score >= best_score:
                best, best_score = candidate, score
        if best is None:
            clusters.append(Cluster([story], set(words)))
        else:
            best.stories.append(story)
            best.words |= words
    return clusters
