"""Which sentences a multi-report summary takes after its lead: maximal marginal relevance over
content words, names and numbers, with the rules that keep a summary coherent (no sentence whose
support is missing, no older figure, no second lead), within the length and paragraph limits.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from digest.core.figures import Timeline, earlier_sentence
from digest.core.sentences import Sentence

PARAGRAPH_SENTENCES = 2  # short paragraphs: once the minimum is reached, at most this many more each
NOVEL = 0.5  # share of a sentence's content words, names and numbers not said yet, to be worth adding
NOVEL_PAST_MIN = 0.65  # ... once the summary has its minimum length
NOVELTY_WEIGHT = 0.5  # maximal marginal relevance: novelty against the relevance of position, report, figures
FOLLOW_BONUS = 0.4  # a sentence right after the chosen one it continues reads best


class _Chosen:
    """The summary so far: its sentences and what they already say."""

    def __init__(self, lead: Sentence, figures: Timeline, compared: bool = True) -> None:
        self.figures, self.told = figures, set[str]()
        self.sentences = [lead]
        self.lead = lead
        self.picked = {(lead.story.story_id, 0)}
        self.compared = compared  # novelty is measured: keep what the summary says (its words)
        self.content, self.keys = (set(lead.content), set(lead.keys)) if compared else (set[str](), set[str]())
        self.names = lead.text
        self.total = lead.words + len(lead.story.attribution.split()) + 1 + self.earlier(lead)
        self.credited = {lead.story.agency}
        self.room = {True: PARAGRAPH_SENTENCES, False: PARAGRAPH_SENTENCES}  # lead's report, others

    def follows(self, s: Sentence) -> bool:
        return (s.story.story_id, s.index - 1) in self.picked

    def blocked(self, s: Sentence) -> bool:
        """It leans on the sentence before it, or quotes someone not named yet, and the summary
        does not have that sentence (yet)."""
        return bool(s.leans or (s.speaker and s.speaker not in self.names)) and not self.follows(s)

    def novelty(self, s: Sentence) -> float:
        content, keys = s.vocabulary()
        size = len(content) + 2 * len(keys)
        return (len(content - self.content) + 2 * len(keys - self.keys)) / size if size else 0.0

    def earlier(self, s: Sentence, commit: bool = True) -> int:
        """Words of the sentences giving the earlier figures of the current ones ``s`` brings."""
        words = 0
        for f in s.figures:
            if f.kind in self.figures.earlier and f.kind not in self.told:
                if commit:
                    self.told.add(f.kind)
                words += len(earlier_sentence(f.kind, f, self.figures.earlier[f.kind]).split())
        return words

    def add(self, s: Sentence, cost: int) -> None:
        cost += self.earlier(s)
        self.sentences.append(s)
        self.picked.add((s.story.story_id, s.index))
        if self.compared:
            content, keys = s.vocabulary()
            self.content |= content
            self.keys |= keys
        self.names += " " + s.text
        self.credited.add(s.story.agency)
        self.room[s.story is self.lead.story] -= 1
        self.total += cost


def select(
    lead: Sentence, reports: list[list[Sentence]], figures: Timeline, max_words: int, min_words: int
) -> list[Sentence]:
    """Sentences after the lead by maximal marginal relevance: relevance (early in its report,
    from the lead's report, carrying a current figure, recent) plus novelty (the share of its
    content words, names and numbers the summary does not have yet; redundant ones are dropped),
    each fitting the length. Novelty only falls as the summary grows, so a candidate is scored
    again only when it reaches the top of the heap (lazy greedy).

    >>> from datetime import datetime, UTC
    >>> from digest.core.sentences import report_sentences
    >>> from digest.core.story import Story
    >>> mk = lambda i, body: Story(i, i, i.upper(), i.upper(), i, "T", body, "", datetime(2026, 1, 1, tzinfo=UTC), i)
    >>> a = report_sentences(mk("a", "Rain flooded Lima. Schools closed. It rained all day."))
    >>> b = report_sentences(mk("b", "Floods hit Lima. Schools closed in Lima. Rescuers saved 40 people."))
    >>> [s.text for s in select(a[0], [a, b], Timeline(), 150, 60)]
    ['Rain flooded Lima.', 'Schools closed.', 'It rained all day.', 'Rescuers saved 40 people.']
    """
    stories = [report[0].story for report in reports if report]
    oldest = min(story.published for story in stories)
    span = (max(story.published for story in stories) - oldest).total_seconds() or 1.0
    current = {(r.story_id, r.index) for r in figures.current.values()}
    stale = figures.stale
    summary = _Chosen(lead, figures)
    fixed: list[float] = []  # by candidate number (the heap's tie-breaker): relevance
    costs: list[int] = []  # by candidate number: its words with the credit its agency would need
    heap: list[tuple[float, int, Sentence]] = []
    waiting: list[tuple[int, Sentence]] = []  # leaning on a sentence before it, or quoting someone: not free yet
    seen = {lead.text}
    for report in reports:
        if not report:
            continue
        story = report[0].story
        # What relevance owes to the report: recency, and being the lead's report.
        base = 0.2 * (story.published - oldest).total_seconds() / span + (0.3 if story is lead.story else 0.0)
        sid, credit = story.story_id, len(story.attribution.split()) + 2  # words of "..., X reported"
        for s in report:
            index, text = s.index, s.text
            if index == 0 or text in seen or (s.figures and stale(s.figures)):
                continue  # another report's lead, a repeat, or an older figure
            seen.add(text)
            value = 0.5 / (1 + index) + base + (0.3 if current and (sid, index) in current else 0.0)
            key = len(fixed)
            fixed.append(value)
            costs.append(s.words + credit)
            if s.leans or s.speaker:
                waiting.append((key, s))
            else:  # never blocked: on the heap at the most it could score (see release)
                follows = index == 1 and story is lead.story  # only the lead is chosen yet
                heap.append((-(value + NOVELTY_WEIGHT + (FOLLOW_BONUS if follows else 0.0)), key, s))
    heapq.heapify(heap)

    def release() -> None:
        """Candidates whose support is in the summary go on the heap at the most they could
        score (full novelty): their words are read only if they get near the top."""
        free = [(key, s) for key, s in waiting if not summary.blocked(s)]
        if free:
            waiting[:] = [(key, s) for key, s in waiting if summary.blocked(s)]
        for key, s in free:
            bound = fixed[key] + NOVELTY_WEIGHT + (FOLLOW_BONUS if summary.follows(s) else 0.0)
            heapq.heappush(heap, (-bound, key, s))

    if waiting:
        release()
    room, credited = summary.room, summary.credited
    while heap:
        if summary.total >= min_words and room[True] <= 0 and room[False] <= 0:
            break  # every paragraph is full
        _, key, s = heapq.heappop(heap)
        story = s.story
        cost = s.words if story.agency in credited else costs[key]
        short = summary.total < min_words
        if (
            not (short or room[story is lead.story] > 0)
            or summary.total + cost + (summary.earlier(s, False) if s.figures else 0) > max_words
        ):
            continue  # cannot be taken: its words need not be read
        novelty = summary.novelty(s)  # again: the summary may have grown since it was pushed
        if novelty < (NOVEL if short else NOVEL_PAST_MIN):
            continue
        value = fixed[key] + NOVELTY_WEIGHT * novelty + (FOLLOW_BONUS if summary.follows(s) else 0.0)
        if heap and -value > heap[0][0]:
            heapq.heappush(heap, (-value, key, s))
            continue
        summary.add(s, cost)
        if waiting:
            release()
    return summary.sentences


def in_order(
    lead: Sentence, said: Iterable[Sentence], figures: Timeline, max_words: int, min_words: int
) -> list[Sentence]:
    """A report summarized alone: its sentences in order while they fit (it is one coherent
    piece of writing; only repeats, older figures and sentences left leaning are skipped).
    ``said`` is read only as far as the summary needs (it may be an iterator; the lead in it is
    passed over).

    >>> from datetime import datetime, UTC
    >>> from digest.core.sentences import report_sentences
    >>> from digest.core.story import Story
    >>> r = report_sentences(Story("a", "ap", "AP", "AP", "a", "T", "Rain fell. Rain fell. Streets flooded.", "", datetime(2026, 1, 1, tzinfo=UTC), "h"))
    >>> [s.text for s in in_order(r[0], r, Timeline(), 150, 60)]
    ['Rain fell.', 'Streets flooded.']
    """
    summary, seen = _Chosen(lead, figures, compared=False), {lead.text}  # nothing to compare: no word sets
    for s in said:
        if s is lead:
            continue
        if summary.room[True] <= 0 and summary.total >= min_words:
            break
        if s.text in seen or figures.stale(s.figures) or summary.blocked(s):
            continue
        if summary.total + s.words + summary.earlier(s, commit=False) > max_words:
            if summary.total >= min_words:
                break
            continue
        seen.add(s.text)
        summary.add(s, s.words)
    return summary.sentences
