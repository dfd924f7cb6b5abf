"""Cluster summaries: the ``Summarizer`` port and the default extractive, attributed summarizer.

An LLM summarizer (e.g. Amazon Bedrock) belongs in an adapter that implements ``Summarizer``;
callers such as :func:`digest.core.ranking.plan_edition` only see the port.

The extractive summary tells one story once: the best single lead (the most recent, most
complete report whose figures are current), then sentences from any report only when they add
something (maximal marginal relevance over content words, names and numbers), never another
report's lead, never a figure older than the newest one (that one is given as "up from six
reported earlier"), never a sentence that leans on one the summary does not print just before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from digest.core.attribution import attribute
from digest.core.cluster import Cluster
from digest.core.edition import SentenceSource
from digest.core.figures import Reported, Timeline, timeline
from digest.core.reading import stored_sentences
from digest.core.selection import in_order, select
from digest.core.sentences import Sentence, iter_sentences, report_sentences
from digest.core.story import Story
from digest.core.summary_text import arrange, headline, render

MIN_WORDS, MAX_WORDS, MAX_PARAGRAPHS = 60, 150, 3
ALONE = 8  # sentences read of a report summarized alone: its lead and what can follow it


@dataclass(frozen=True)
class Summary:
    """A cluster summary and where each of its sentences came from.

    ``text`` is what readers see (paragraphs separated by a blank line); ``sentences`` are the
    verbatim source sentences in reading order with the ``story_id`` each was taken from;
    ``sources`` the distinct story ids used, in order; ``trace`` every printed sentence with
    its report, position and credited agency; ``notes`` what the editor should know;
    ``headline`` the headline that agrees with the summary ("" leaves the caller's choice).
    """

    text: str
    sentences: list[tuple[str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    trace: list[SentenceSource] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    headline: str = ""


@runtime_checkable
class Summarizer(Protocol):
    """Turns a cluster into a summary. Implementations must not raise on odd clusters."""

    def summarize(self, cluster: Cluster) -> Summary: ...


@dataclass(frozen=True)
class ExtractiveSummarizer:
    """The default :class:`Summarizer`: :func:`summarize_cluster` with the configured limits.

    Examples
    --------
    >>> isinstance(ExtractiveSummarizer(), Summarizer)
    True
    >>> ExtractiveSummarizer().summarize(Cluster([])).text
    ''
    """

    max_words: int = MAX_WORDS
    min_words: int = MIN_WORDS
    max_paragraphs: int = MAX_PARAGRAPHS

    def summarize(self, cluster: Cluster) -> Summary:
        return summarize_cluster(cluster, self.max_words, self.min_words, self.max_paragraphs)


def summarize_cluster(
    cluster: Cluster, max_words: int = MAX_WORDS, min_words: int = MIN_WORDS, max_paragraphs: int = MAX_PARAGRAPHS
) -> Summary:
    """An attributed summary of a cluster, one story told once, from its reports' sentences.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from digest.core.story import Story
    >>> t = lambda h: datetime(2026, 1, 1, h, tzinfo=timezone.utc)
    >>> ap = Story("a", "ap", "Associated Press", "the Associated Press", "a", "Quake kills 6 in Peru",
    ...            "LIMA (AP) \u2014 A quake killed six people in Peru. Schools were closed in Arequipa.", "", t(1), "h")
    >>> rt = Story("b", "reuters", "Reuters", "Reuters", "b", "Peru quake toll rises to 11",
    ...            "LIMA (Reuters) - The death toll from a quake in Peru rose to 11. Rescuers reached remote villages.", "", t(3), "i")
    >>> s = summarize_cluster(Cluster([ap, rt]), min_words=5)
    >>> print(s.text)
    The death toll from a quake in Peru rose to 11, Reuters reported. The death toll is up from six reported earlier by the Associated Press.
    <BLANKLINE>
    Rescuers reached remote villages.
    <BLANKLINE>
    Schools were closed in Arequipa, according to the Associated Press.
    >>> s.headline, [(x.story_id, x.index) for x in s.trace]
    ('Peru quake toll rises to 11', [('b', 0), ('a', 0), ('b', 1), ('a', 1)])
    """
    if not cluster.stories:
        return Summary("")
    if len(cluster.stories) == 1:
        return _alone(cluster.stories[0], max_words, min_words, max_paragraphs)
    memo: dict[str, Any] = {}
    reports = [_sentences(story, memo) for story in cluster.stories]
    said = [s for report in reports for s in report]
    figures = timeline(
        Reported(f, s.story.published, s.story.story_id, s.story.attribution, s.index, s.story.agency)
        for s in said
        for f in s.figures
    )
    notes = list(figures.notes)
    notes += [f"no usable sentence in {s.story_id} ({s.agency})" for s, r in zip(cluster.stories, reports) if not r]
    if not said:
        return _headline_only(cluster.stories, notes)
    lead = _lead(reports, figures)
    chosen = select(lead, reports, figures, max_words, min_words)
    return _finish(lead, chosen, cluster.stories, figures, notes, min_words, max_paragraphs)


def _alone(story: Story, max_words: int, min_words: int, max_paragraphs: int) -> Summary:
    """A report summarized alone: its sentences in order, read only as far as the summary goes
    (no other report to compare figures or words with)."""
    stored = stored_sentences(story)
    said = iter_sentences(story, ALONE) if stored is None else iter(stored[:ALONE])
    lead = next(said, None)
    if lead is None:
        return _headline_only([story], [f"no usable sentence in {story.story_id} ({story.agency})"])
    figures = Timeline()
    return _finish(
        lead, in_order(lead, said, figures, max_words, min_words), [story], figures, [], min_words, max_paragraphs
    )


def _sentences(story: Story, memo: dict[str, Any]) -> list[Sentence]:
    """The report's sentences: from the reading it was stored with, or read now."""
    stored = stored_sentences(story)
    return report_sentences(story, memo) if stored is None else stored


def _headline_only(stories: list[Story], notes: list[str]) -> Summary:
    """No report has a usable sentence: the newest report's headline, credited."""
    story = max(stories, key=lambda s: (s.published, s.story_id))
    text = attribute(story.title.strip(), story.attribution) if story.title.strip() else ""
    trace = [SentenceSource(text, story.story_id, -1, story.agency)] if text else []
    notes.append("no report has a usable sentence: the summary is the headline")
    return Summary(text, [(story.title.strip(), story.story_id)] if text else [], [story.story_id], trace, notes)


def _finish(
    lead: Sentence,
    chosen: list[Sentence],
    stories: list[Story],
    figures: Timeline,
    notes: list[str],
    min_words: int,
    max_paragraphs: int,
) -> Summary:
    """The chosen sentences in paragraphs, rendered and traced, with the headline and notes."""
    paragraphs = arrange(lead, chosen, figures, max_paragraphs)
    text, trace = render(paragraphs)
    words = len(text.split())
    if words < min_words:
        notes.append(f"summary is {words} words, under the minimum of {min_words}: the reports add nothing more")
    title, title_notes = headline(lead, stories, figures)
    used = [(s.text, s.story.story_id) for p in paragraphs for s in p if isinstance(s, Sentence)]
    return Summary(text, used, list(dict.fromkeys(sid for _, sid in used)), trace, notes + title_notes, title)


def _lead(reports: list[list[Sentence]], figures: Timeline) -> Sentence:
    """The best single lead: current figures, standing on its own, then recency plus completeness
    (the share of the words several leads share that it carries)."""
    leads = [r[0] for r in reports if r]
    if len(leads) == 1:
        return leads[0]  # nothing to compare it with: its words need not be read
    order = sorted(leads, key=lambda s: (s.story.published, s.story.story_id))
    recency = {id(s): i / max(1, len(order) - 1) for i, s in enumerate(order)}
    said = [s.content | s.keys for s in leads]
    seen: set[str] = set()
    shared: set[str] = set()  # the words more than one lead has
    for words in said:
        shared |= seen & words
        seen |= words

    def rank(i: int) -> tuple[bool, bool, bool, float]:
        s = leads[i]
        complete = len(said[i] & shared) / len(shared) if shared else 0.0
        return (not figures.stale(s.figures), not s.leans, s.words >= 12, recency[id(s)] + complete)

    return leads[max(range(len(leads)), key=rank)]
