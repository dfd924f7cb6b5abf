"""A summary's chosen sentences as readers get them: in paragraphs, in an order where no sentence
leans on one that is not just before it, each agency credited by name once, the earlier figures
given as earlier; and the headline that agrees with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from digest.core.attribution import according_to, attribute
from digest.core.edition import SentenceSource
from digest.core.figures import Reported, Timeline, earlier_sentence, figures
from digest.core.sentences import Sentence
from digest.core.story import Story


@dataclass(frozen=True)
class Earlier:
    """The generated sentence that gives an older figure as the earlier one it was."""

    text: str
    source: Reported
    agency: str


Part = Sentence | Earlier
LONG_PARAGRAPH = 3  # sentences; a longer one is cut in two when the summary has room for a paragraph


def arrange(lead: Sentence, chosen: list[Sentence], figures: Timeline, max_paragraphs: int) -> list[list[Part]]:
    """Paragraphs: the lead (with the sentences of its report that lean on it), the rest of the
    lead's report, then the other reports', each report's sentences in their own order; each
    earlier figure right after the sentence that gives the current one. Sentences whose support
    went missing are dropped.

    >>> from datetime import datetime, UTC
    >>> from digest.core.sentences import report_sentences
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> s = report_sentences(Story("a", "ap", "AP", "the AP", "a", "T", "Rain fell. It flooded streets. Fans cheered.", "", t, "h"))
    >>> [[p.text for p in para] for para in arrange(s[0], [s[0], s[2], s[1]], Timeline(), 3)]
    [['Rain fell.', 'It flooded streets.'], ['Fans cheered.']]
    """
    by_story: dict[str, list[Sentence]] = {}
    for s in chosen[1:]:
        by_story.setdefault(s.story.story_id, []).append(s)
    own = sorted(by_story.pop(lead.story.story_id, []), key=lambda s: s.index)
    first: list[Part] = [lead]
    while own and own[0].index == lead.index + len(first) and own[0].leans:
        first.append(own.pop(0))
    others = [s for group in by_story.values() for s in sorted(group, key=lambda s: s.index)]
    own_part: list[Part] = list(own)
    others_part: list[Part] = list(others)
    paragraphs = [p for p in (first, *_halves(own_part, 3 - bool(others_part)), others_part) if p]
    while len(paragraphs) > max(1, max_paragraphs):
        paragraphs[-2:] = [paragraphs[-2] + paragraphs[-1]]
    return _with_earlier(_supported(paragraphs), figures)


def _halves(part: list[Part], room: int) -> list[list[Part]]:
    """A long paragraph in two when there is room for both, cut where no sentence leans back."""
    if room < 3 or len(part) <= LONG_PARAGRAPH:
        return [part]
    middle = len(part) // 2
    cuts = [i for i in range(1, len(part)) if not _leans_on(part[i], part[i - 1])]
    if not cuts:
        return [part]
    cut = min(cuts, key=lambda i: abs(i - middle))
    return [part[:cut], part[cut:]]


def _with_earlier(paragraphs: list[list[Part]], figures: Timeline) -> list[list[Part]]:
    """Each quantity the summary reports whose earlier figure differed gets one sentence saying
    so, after the first sentence giving the current figure (and the sentences leaning on it)."""
    for kind, older in figures.earlier.items():
        current = figures.current[kind].figure
        for para in paragraphs:
            at = next(
                (i for i, p in enumerate(para) if isinstance(p, Sentence) and _gives(p, kind, current.value)), None
            )
            if at is None:
                continue
            while (
                at + 1 < len(para)
                and isinstance(para[at + 1], (Sentence, Earlier))
                and _leans_on(para[at + 1], para[at])
            ):
                at += 1
            para.insert(at + 1, Earlier(earlier_sentence(kind, current, older), older, older.agency))
            break
    return paragraphs


def _gives(sentence: Sentence, kind: str, value: float) -> bool:
    return any(f.kind == kind and f.value == value for f in sentence.figures)


def _leans_on(part: Part, before: Part) -> bool:
    if isinstance(part, Earlier):
        return True  # keep an earlier figure after the one it follows
    return isinstance(before, Sentence) and part.leans and before.story is part.story and before.index == part.index - 1


def _supported(paragraphs: list[list[Part]]) -> list[list[Part]]:
    """Drop, until none is left, a sentence that leans on a sentence not printed just before it,
    or quotes someone by a name the summary has not given yet."""
    while True:
        flat = [p for para in paragraphs for p in para]
        drop, named = None, flat[0].text if flat else ""  # named: the text printed before ``part``
        for before, part in zip(flat, flat[1:]):
            if isinstance(part, Sentence) and (part.leans or (part.speaker and part.speaker not in named)):
                follows = isinstance(before, Sentence) and before.story is part.story and before.index == part.index - 1
                if not follows:
                    drop = part
                    break
            named += " " + part.text
        if drop is None:
            return [para for para in paragraphs if para]
        paragraphs = [[p for p in para if p is not drop] for para in paragraphs]


def render(paragraphs: list[list[Part]]) -> tuple[str, list[SentenceSource]]:
    """The text (paragraphs separated by a blank line), each agency named on its first sentence,
    "..., X reported." and "..., according to Y." in turn; and every printed sentence traced."""
    credited: list[str] = []
    texts: list[str] = []
    trace: list[SentenceSource] = []
    for para in paragraphs:
        out = []
        for part in para:
            if isinstance(part, Earlier):
                out.append(part.text)
                trace.append(SentenceSource(part.text, part.source.story_id, part.source.index, part.agency))
                continue
            printed = part.text
            if part.story.agency not in credited:
                form = attribute if len(credited) % 2 == 0 else according_to
                printed = form(part.text, part.story.attribution)
                credited.append(part.story.agency)
            out.append(printed)
            trace.append(SentenceSource(printed, part.story.story_id, part.index, part.story.agency))
        texts.append(" ".join(out))
    return "\n\n".join(texts), trace


def headline(lead: Sentence, stories: list[Story], timeline: Timeline) -> tuple[str, list[str]]:
    """The lead report's headline when its figures are current, else the newest that is; if none
    is, the lead's, with a note for the editor."""
    others = sorted((s for s in stories if s is not lead.story), key=lambda s: (s.published, s.story_id), reverse=True)
    for story in [lead.story, *others]:  # no figure is stale when none was reported: titles need not be read
        if story.title.strip() and not (timeline.current and timeline.stale(figures(story.title))):
            return story.title.strip(), []
    title = lead.story.title.strip()
    stale = ", ".join(
        f"{f.text} where the summary has {timeline.current[f.kind].figure.text}" for f in timeline.stale(figures(title))
    )
    return title, [f"headline contradicts summary: it says {stale}; please write one"]
