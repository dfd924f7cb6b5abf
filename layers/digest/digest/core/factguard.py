"""The fact guard: a generated summary is used only when every sentence can be traced to the reports.

Pure and deliberately strict (a refusal only costs a fallback to the extractive summary):

* every number (digits or words: "six" is 6, "1.2 million" is 1,200,000) and every capitalized
  name in a sentence appears in the cluster's reports, and every pair of adjacent names
  ("Rui Calado") appears side by side there, so two real names cannot make an invented person;
* every sentence credits an agency of the cluster ("..., the Associated Press reported.") whose
  own reports hold the sentence's numbers and names and most of its content words; a sentence
  crediting a news agency that has no report in the cluster is refused;
* quoted words appear verbatim in a report;
* length and tone: at most ``max_words`` (and at least ``min_words``), no first person, no
  exclamation, no opinion words from :data:`OPINION_WORDS`, prose rather than lists or headings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest.core.attribution import strip_dateline
from digest.core.edition import SentenceSource
from digest.core.facts import Said, flat, numbers, stems, words
from digest.core.story import Story
from digest.core.text import sentences, word_count
from digest.core.words import STOP_WORDS

OPINION_WORDS = frozenset(
    "shocking tragic tragically horrific horrifying terrible terribly outrageous disgraceful shameful "
    "appalling amazing incredible incredibly unbelievable brilliant wonderful fortunately unfortunately "
    "sadly thankfully hopefully clearly obviously undoubtedly surely disastrous heroic cowardly stunning "
    "remarkable absurd ridiculous scandalous alarming devastating heartbreaking".split()
)
FIRST_PERSON = frozenset("i me my mine myself we us our ours ourselves".split())
# News agencies a model might credit: naming one that has no report in the cluster is refused.
WIRE_AGENCIES = (
    "Associated Press|AP|Agence France-Presse|AFP|Reuters|Bloomberg|dpa|Deutsche Presse-Agentur|EFE|"
    "ANSA|Kyodo|Xinhua|United Press International|UPI|PA Media|Press Association|Canadian Press|"
    "Australian Associated Press|AAP|TASS|Interfax|Anadolu|Yonhap|BBC|CNN|Al Jazeera"
)
TITLES = frozenset(
    "President Vice Prime Minister Mr Mrs Ms Dr Gen General Sen Senator Rep Gov Governor King Queen "
    "Pope Chancellor Secretary Mayor Judge Chief Foreign Interior Health Finance Defense Defence".split()
)
_QUOTE = re.compile(r"[\"\u201c]([^\"\u201c\u201d]+)[\"\u201d]")
_BREAK = re.compile(r"[,;:()|\u2013\u2014]")  # where a run of names ends
_KNOWN = re.compile(r"(?<![\w-])(?:the )?(" + WIRE_AGENCIES + r")(?![\w-])")
_NOT_PROSE = re.compile(r"^\s*(?:[-*#>\u2022]|\d+[.)]\s)|\*\*|^\s*summary\s*:", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class GuardLimits:
    """What a generated summary must respect: its length in words, and how much of a sentence's
    content (share of its content words) the credited agency's reports must hold."""

    max_words: int = 150
    min_words: int = 0
    support: float = 0.5
    opinion_words: frozenset[str] = OPINION_WORDS


@dataclass(frozen=True)
class Verdict:
    """The guard's answer: ``problems`` (empty when the summary passed) and, when it passed, each
    sentence with the report that supports it (its closest sentence there, and the agency)."""

    problems: tuple[str, ...] = ()
    traced: tuple[SentenceSource, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def reason(self) -> str:
        """The first problems, for the editor's note."""
        more = len(self.problems) - 3
        return "; ".join(self.problems[:3]) + (f" (and {more} more)" if more > 0 else "")


def _credits(sentence: str, phrases: dict[str, str]) -> tuple[set[str], set[str], str]:
    """The cluster agencies a sentence credits, other wire agencies it names, and the sentence
    with those names taken out."""
    credited: set[str] = set()
    for phrase in sorted(phrases, key=len, reverse=True):  # "the Associated Press" before "AP"
        pattern = re.compile(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", re.IGNORECASE)
        if pattern.search(sentence):
            credited.add(phrases[phrase])
            sentence = pattern.sub(" ", sentence)
    foreign = {m.group(1) for m in _KNOWN.finditer(sentence)}
    return credited, foreign, _KNOWN.sub(" ", sentence)


def check(text: str, stories: Sequence[Story], limits: GuardLimits = GuardLimits()) -> Verdict:
    """Whether the generated ``text`` may stand as the summary of ``stories``.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> ap = Story("a", "ap", "Associated Press", "the Associated Press", "a", "Quake",
    ...            "A quake killed six people in Arequipa.", "", t, "h")
    >>> check("A quake killed six people in Arequipa, the Associated Press reported.", [ap]).passed
    True
    >>> check("A quake killed 9 people in Arequipa, the Associated Press reported.", [ap]).reason
    'sentence 1: the number 9 is in no report'
    """
    if not text.strip():
        return Verdict(("the model wrote nothing",))
    every, by_agency, phrases = Said(), dict[str, Said](), dict[str, str]()
    for story in stories:
        said = by_agency.setdefault(story.agency, Said())
        for part in (story.title or "", story.body or ""):
            said.add(part)
            every.add(part)
        for phrase in (story.attribution, story.attribution.removeprefix("the "), story.agency):
            if phrase:
                phrases[phrase] = story.agency
    problems, supported = _form(text, limits), []
    for n, sentence in enumerate(sentences(text), start=1):
        found, agency = _sentence(sentence, every, by_agency, phrases, limits)
        problems += [f"sentence {n}: {p}" for p in found]
        supported.append((sentence, agency))
    if problems:
        return Verdict(tuple(problems))
    return Verdict((), tuple(_trace(sentence, agency, stories) for sentence, agency in supported))


def _form(text: str, limits: GuardLimits) -> list[str]:
    words, problems = word_count(text), []
    if words > limits.max_words:
        problems.append(f"{words} words, more than the {limits.max_words} allowed")
    if words < limits.min_words:
        problems.append(f"{words} words, fewer than the {limits.min_words} required")
    if _NOT_PROSE.search(text):
        problems.append("not written as prose (a list, a heading or markup)")
    return problems


def _sentence(
    sentence: str, every: Said, by_agency: dict[str, Said], phrases: dict[str, str], limits: GuardLimits
) -> tuple[list[str], str]:
    """The problems of one sentence, and the agency whose reports support it."""
    problems = []
    for quote in _QUOTE.findall(sentence):
        if flat(quote) not in every.text:
            problems.append(f'quotes words no report has: "{quote.strip()}"')
    bare = _QUOTE.sub(" | ", sentence)  # quoted words are checked verbatim above
    credited, foreign, bare = _credits(bare, phrases)
    problems += [f"credits {name}, which has no report in this story" for name in sorted(foreign)]
    if not credited:
        problems.append("credits no agency of this story")
    tokens = words(bare)
    if "!" in bare:
        problems.append("exclaims")
    if first := sorted({t for t in tokens if t.lower() in FIRST_PERSON and t != "US"}):
        problems.append(f"speaks in the first person ({', '.join(first)})")
    if opinion := sorted({t.lower() for t in tokens} & limits.opinion_words):
        problems.append(f"gives an opinion ({', '.join(opinion)})")
    names = [n for i, part in enumerate(_BREAK.split(bare)) for n in _names(words(part), every, i == 0)]
    figures, facts = numbers(bare), []
    facts += [f"the number {format(v, ',f')} is in no report" for v in sorted(figures - every.numbers)]
    facts += [f"the name {name} is in no report" for name in names if not _known(name, every)]
    problems += facts
    if facts or not credited:
        return problems, ""
    content = stems(tokens)
    for agency in sorted(credited):
        said = by_agency[agency]
        held = figures <= said.numbers and all(_known(name, said) for name in names)
        if held and (not content or len(content & said.stems) / len(content) >= limits.support):
            return problems, agency
    problems.append(f"credits {' and '.join(sorted(credited))}, whose reports do not say this")
    return problems, ""


def _names(tokens: list[str], every: Said, first: bool) -> list[str]:
    """Capitalized words and runs of them ("Rui Calado"), titles aside; the sentence's ``first``
    word unless the reports write it in lower case (or it is a stop word)."""
    names, run = [], []
    for i, token in enumerate([*tokens, ""]):
        initial = first and i == 0 and (token.lower() in every.common or token.lower() in STOP_WORDS | {"according"})
        if token[:1].isupper() and not initial and token not in TITLES:
            run.append(token)
            continue
        if run:
            names.append(" ".join(run))
        run = []
    return names


def _known(name: str, said: Said) -> bool:
    parts = name.split()
    if not all(p in said.words or all(q in said.words for q in p.split("-")) for p in parts):
        return False
    return all(pair in said.pairs for pair in zip(parts, parts[1:], strict=False))


def _trace(sentence: str, agency: str, stories: Sequence[Story]) -> SentenceSource:
    """The sentence of ``agency``'s reports that shares most content words with ``sentence`` (the
    newer report, then the earlier sentence, on a tie): where an editor checks it."""
    content = stems(words(sentence))
    candidates = [
        (len(content & stems(words(own))), story.published, -index, story.story_id)
        for story in stories
        if story.agency == agency
        for index, own in enumerate(sentences(strip_dateline(story.body or "")) or [story.title])
    ]
    _, _, index, story_id = max(candidates)
    return SentenceSource(sentence, story_id, -index, agency)
