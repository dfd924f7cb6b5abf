"""Cluster summaries: the ``Summarizer`` port and the default extractive, attributed summarizer.

An LLM summarizer (e.g. Amazon Bedrock) belongs in an adapter that implements ``Summarizer``;
callers such as :func:`digest.core.edition.plan_edition` only see the port.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Protocol, runtime_checkable

from digest.core.attribution import according_to, attribute, strip_dateline
from digest.core.cluster import Cluster
from digest.core.story import Story
from digest.core.text import sentences, word_count
from digest.core.words import STOP_WORDS, normalize, word_set

_WORDS = re.compile(r"\w+")
_BARE_QUOTE = re.compile(r"^[\"\u201c].*[\"\u201d]$")
_DANGLING = frozenset("he she it they this that these those his her its their but and also so".split())
NEAR_DUPLICATE = 0.5  # word-set Jaccard above which a sentence repeats a chosen one
REDUNDANT = 0.5  # share of a sentence's content words already said above which it adds too little


@dataclass(frozen=True)
class Summary:
    """A cluster summary and where each of its sentences came from.

    ``text`` is what readers see (sentences plus attributions); ``sentences`` are the verbatim
    source sentences in reading order, each with the ``story_id`` it was taken from; ``sources``
    are the distinct story ids used, in order.
    """

    text: str
    sentences: list[tuple[str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@runtime_checkable
class Summarizer(Protocol):
    """Turns a cluster into a summary. Implementations must not raise on odd clusters."""

    def summarize(self, cluster: Cluster) -> Summary: ...


@dataclass(frozen=True)
class ExtractiveSummarizer:
    """The default :class:`Summarizer`: :func:`summarize_cluster` with fixed word bounds.

    Examples
    --------
    >>> isinstance(ExtractiveSummarizer(), Summarizer)
    True
    >>> ExtractiveSummarizer().summarize(Cluster([])).text
    ''
    """

    max_words: int = 110
    min_words: int = 60

    def summarize(self, cluster: Cluster) -> Summary:
        return summarize_cluster(cluster, self.max_words, self.min_words)


def _content(words: frozenset[str], sentence: str) -> frozenset[str]:
    content = words - STOP_WORDS
    if sentence.isascii() or "".join(content).isascii():  # ASCII lower-case words are normal
        return content
    return frozenset(map(normalize, content))


def _usable(sentence: str) -> bool:
    """Whole quotes only, no fragments, no sentence that leans on one before it."""
    if sentence.count('"') % 2 or sentence.count("\u201c") != sentence.count("\u201d"):
        return False
    stripped = sentence.strip()
    if stripped[:1] in ('"', "\u201c") and _BARE_QUOTE.match(stripped):
        return False  # a quote with no speaker: its attribution was in another sentence
    start = sentence.lstrip("\"'\u201c\u2018(")
    if not start[:1].isupper() and not start[:1].isdigit():
        return False
    first = _WORDS.search(start)
    return first is not None and first.group().lower() not in _DANGLING


_Pick = tuple[Story, int, str]


def _sentences(story: Story) -> Iterator[_Pick]:
    """The story's sentences, numbered, split a paragraph at a time as they are asked for
    (``sentences`` splits each line on its own, so this is the same list)."""
    lines = strip_dateline(story.body or "").split("\n")
    return ((story, i, s) for i, s in enumerate(chain.from_iterable(map(sentences, lines))))


class _Picker:
    """The summary being built: accepts, skips or (once full) refuses candidate sentences."""

    def __init__(self, lede: _Pick, max_words: int, min_words: int) -> None:
        self.max_words, self.min_words = max_words, min_words
        self.chosen = [lede]
        self.seen = [word_set(lede[2])]
        self.said = set(_content(self.seen[0], lede[2]))
        self.total = word_count(attribute(lede[2], lede[0].attribution))
        self.named = {lede[0].agency}
        self.full = False

    def offer(self, pick: _Pick) -> bool:
        """Take the sentence if it is usable, adds enough and fits. A sentence that does not fit
        ends the summary once it has ``min_words``; before that it is passed over. The cheap
        checks come first, the word sets only when they can change the answer."""
        story, _, sentence = pick
        if self.full or not _usable(sentence):
            return False
        cost = len(sentence.split())
        if story.agency not in self.named:
            cost += len(story.attribution.split()) + 2
        over = self.total + cost > self.max_words
        if over and self.total < self.min_words:
            return False
        words = word_set(sentence)
        content = _content(words, sentence)
        if content and len(content & self.said) / len(content) > REDUNDANT:
            return False  # its content words were mostly said already
        for other in self.seen:  # a near-duplicate of a chosen sentence (word-set Jaccard)
            shared = len(words & other)
            union = len(words) + len(other) - shared
            if union and shared / union > NEAR_DUPLICATE:
                return False
        if over:
            self.full = True
            return False
        self.chosen.append(pick)
        self.seen.append(words)
        self.said |= content
        self.named.add(story.agency)
        self.total += cost
        return True


def summarize_cluster(cluster: Cluster, max_words: int = 110, min_words: int = 60) -> Summary:
    """An attributed summary of a cluster from verbatim sentences of its stories.

    The lead story's first sentence comes first and always survives. Then each other agency's
    first usable sentence (newest story first), then the rest of theirs in turn, then more of
    the lead's and its agency's, skipping near-duplicates (word-set Jaccard
    above 0.5 with a chosen sentence), sentences whose content words were mostly said already,
    cut or speakerless quotes and sentences that start with a pronoun. Once
    the summary has ``min_words``, the first sentence that would pass ``max_words`` ends it;
    before that, sentences too long to fit are passed over. Each agency is named once, on its
    first sentence, alternately "..., the Associated Press reported." and "..., according to
    Agence France-Presse.".

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> ap = Story("a", "ap", "AP", "the Associated Press", "a", "Quake",
    ...            "LIMA (AP) \u2014 A quake hit Peru. Six people died.", "", t, "h")
    >>> afp = Story("b", "afp", "AFP", "Agence France-Presse", "b", "Quake",
    ...             "Lima (AFP) - Peru declared an emergency.", "", t, "i")
    >>> s = summarize_cluster(Cluster([ap, afp]))
    >>> s.text
    'A quake hit Peru, the Associated Press reported. Six people died. Peru declared an emergency, according to Agence France-Presse.'
    >>> s.sources
    ['a', 'b']
    """
    if not cluster.stories:
        return Summary("")
    lead = cluster.lead
    own = _sentences(lead)  # read lazily, a paragraph at a time: most summaries fill up early
    picker = _Picker(next(own, None) or (lead, 0, (lead.title or "").strip()), max_words, min_words)
    pools: dict[str, list[Iterator[_Pick]]] = {}
    for story in sorted(cluster.stories, key=lambda s: (s.published, s.story_id), reverse=True):
        if story.agency != lead.agency:
            pools.setdefault(story.agency, []).append(_sentences(story))
    rest: list[Iterator[_Pick]] = []
    for stories in pools.values():  # first, one sentence from each other agency
        pool, passed = chain.from_iterable(stories), []
        for pick in pool:
            if picker.full or picker.offer(pick):
                break
            passed.append(pick)
        rest.append(chain(passed, pool))
    same_agency = (s for s in reversed(cluster.stories) if s.agency == lead.agency and s is not lead)
    later = chain(_in_turn(rest), own, chain.from_iterable(map(_sentences, same_agency)))
    for pick in later:
        if picker.full:
            break
        picker.offer(pick)
    return _render(picker.chosen)


def _in_turn(pools: list[Iterator[_Pick]]) -> Iterator[_Pick]:
    """The first pick of each pool, then the second of each, and so on."""
    while pools:
        going = []
        for pool in pools:
            pick = next(pool, None)
            if pick is not None:
                going.append(pool)
                yield pick
        pools = going


def _render(chosen: list[tuple[Story, int, str]]) -> Summary:
    """Group sentences by agency (in order of first use), each story's in its own order."""
    agency_rank: dict[str, int] = {}
    story_rank: dict[str, int] = {}
    for rank, (story, _, _) in enumerate(chosen):
        agency_rank.setdefault(story.agency, rank)
        story_rank.setdefault(story.story_id, rank)
    ordered = sorted(chosen, key=lambda c: (agency_rank[c[0].agency], story_rank[c[0].story_id], c[1]))
    text, named = [], 0
    agencies: set[str] = set()
    for story, _, sentence in ordered:
        if story.agency in agencies:
            text.append(sentence)
            continue
        agencies.add(story.agency)
        form = attribute if named % 2 == 0 else according_to
        text.append(form(sentence, story.attribution))
        named += 1
    pairs = [(sentence, story.story_id) for story, _, sentence in ordered]
    return Summary(" ".join(text), pairs, list(dict.fromkeys(sid for _, sid in pairs)))
