"""Figures: the numbers that describe one quantity of a developing story (deaths, injured,
missing, magnitude, rates), found in sentences and headlines and compared across reports.

A quantity's *current* figure is the one in the newest report that gives it; an older, different
figure is *earlier*. Two reports of the same time that disagree cannot be ordered: a conflict
for the editor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
NUMBER_WORDS: dict[str, float] = {w: float(i) for i, w in enumerate(_UNITS)} | {k: float(v) for k, v in _TENS.items()}
NUMBER_WORDS["dozen"] = 12.0
_WORDNUM = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
# Patterns run on lower-case text and start with a literal word, so the regex engine skips ahead.
_NUM = rf"(?P<num>(?:minus\s+|-)?\d[\d,]*(?:\.\d+)?|(?:{_WORDNUM})(?:-(?:{_WORDNUM}))?)\b"
_QUAL = r"(?:(?:at least|more than|over|nearly|almost|about|around|some|roughly|up to)\s+)?"
_PEOPLE = r"(?:\s+(?:people|persons|residents|civilians|workers|migrants|children|villagers|others))?"
_BEEN = r"(?:\s+(?:were|are|was|is|have|has|had|been|remain|remained|still|now|reported|confirmed)){0,3}"
_AFTER: dict[str, tuple[str, ...]] = {  # the word, then its number
    "deaths": (
        rf"kill(?:ing|ed|s)?\s+{_QUAL}{_NUM}",
        rf"toll\b.{{0,80}}?\b(?:rose|risen|rises|climbed|climbs|jumped|increased|reached|stood|stands|to|at|of|hit)\s+{_QUAL}{_NUM}",
    ),
    "injured": (rf"injur(?:ing|es|ed|e)\s+{_QUAL}{_NUM}", rf"wound(?:ing|s)\s+{_QUAL}{_NUM}"),
    "missing": (),
    "magnitude": (
        rf"magnitude(?:\s+of|\s+at)?\s+{_NUM}",
        rf"magnitude\s+(?:was\s+|is\s+|has been\s+)?(?:revised|lowered|raised|upgraded|downgraded|put|set|estimated)\b.{{0,15}}?\b(?:to|at)\s+{_NUM}",
    ),
    "rate": (rf"rate\b.{{0,40}}?\bto\s+{_NUM}\s*(?:%|percent\b)",),
}
_COMPILED = {kind: [re.compile(p) for p in ps] for kind, ps in _AFTER.items()}
_BEFORE_WORDS = {  # the number, then its word ("nine people were killed"): the word is found first
    "deaths": ("killed", "dead", "died", "deaths", "fatalities"),
    "injured": ("injured", "hurt", "wounded"),
    "missing": ("missing",),
    "magnitude": ("magnitude",),
}
_PEOPLE_WORDS = frozenset("people persons residents civilians workers migrants children villagers others".split())
_BEEN_WORDS = frozenset("were are was is have has had been remain remained still now reported confirmed".split())
_ANY_HINT = re.compile(r"kill|dead|death|died|toll|fatalit|injur|hurt|wound|missing|magnitude|rates? ")
_HINTS = {  # a kind's patterns only run on text that has one of these
    "deaths": ("kill", "dead", "death", "died", "toll", "fatalit"),
    "injured": ("injur", "hurt", "wound"),
    "missing": ("missing",),
    "magnitude": ("magnitude",),
    "rate": ("rate ", "rates "),
}
LABELS = {
    "deaths": "The death toll",
    "injured": "The number of injured",
    "missing": "The number of missing",
    "magnitude": "The magnitude",
    "rate": "The rate",
}


@dataclass(frozen=True)
class Figure:
    """One figure for a quantity: ``kind``, its ``value`` and the words that gave it."""

    kind: str
    value: float
    text: str


def number(text: str) -> float | None:
    """The value of a number as wire copy writes it.

    >>> number("six"), number("2,400"), number("minus 0.25"), number("twenty-one"), number("x")
    (6.0, 2400.0, -0.25, 21.0, None)
    """
    t = text.lower().strip()
    sign = -1.0 if t.startswith(("minus", "-")) else 1.0
    t = t.removeprefix("minus").lstrip(" -")
    if t in NUMBER_WORDS:
        return sign * NUMBER_WORDS[t]
    if "-" in t and all(p in NUMBER_WORDS for p in t.split("-")):
        return sign * sum(NUMBER_WORDS[p] for p in t.split("-"))
    try:
        return sign * float(t.replace(",", ""))
    except ValueError:
        return None


def may_have_figures(text: str) -> bool:
    """A cheap test: could ``text`` give a figure? (False means :func:`figures` finds none.)

    >>> may_have_figures("Markets rose."), may_have_figures("Nine people died.")
    (False, True)
    """
    return _ANY_HINT.search(text.lower()) is not None


def figures(text: str) -> tuple[Figure, ...]:
    """The figures a sentence or headline gives, in order of kind.

    >>> [(f.kind, f.value) for f in figures("A 7.1-magnitude quake killed at least nine people.")]
    [('deaths', 9.0), ('magnitude', 7.1)]
    >>> figures("Markets rose.")
    ()
    """
    lower = text.lower()
    found: list[Figure] = []
    if _ANY_HINT.search(lower) is None:
        return ()
    for kind, patterns in _COMPILED.items():
        if not any(hint in lower for hint in _HINTS[kind]):
            continue
        spans = [m.span("num") for p in patterns for m in p.finditer(lower)]
        raws = [lower[start:end] for start, end in spans]
        for word in _BEFORE_WORDS.get(kind, ()):
            at = lower.find(word)
            while at >= 0:
                if not lower[at + len(word) : at + len(word) + 1].isalpha():
                    raws.append(_number_before(lower, at, kind == "magnitude"))
                at = lower.find(word, at + 1)
        seen: set[float] = set()
        for raw in raws:
            value = number(raw) if raw else None
            if value is not None and value not in seen:
                seen.add(value)
                found.append(Figure(kind, value, raw))
    return tuple(found)


def _number_before(lower: str, at: int, joined: bool) -> str:
    """The number just before the word at ``at``: "nine people were [killed]", "7.1-[magnitude]"."""
    if joined:
        if lower[at - 1 : at] not in ("-", " "):
            return ""
        before = lower[max(0, at - 20) : at - 1].split()
        return before[-1] if before else ""
    words = lower[max(0, at - 60) : at].split()
    i, skipped = len(words) - 1, 0
    while i >= 0 and words[i] in _BEEN_WORDS and skipped < 3:
        i, skipped = i - 1, skipped + 1
    if i >= 0 and words[i] in _PEOPLE_WORDS:
        i -= 1
    return words[i] if i >= 0 else ""


@dataclass(frozen=True)
class Reported:
    """A figure as one report gave it: when, by whom, in which sentence."""

    figure: Figure
    published: datetime
    story_id: str
    attribution: str
    index: int
    agency: str = ""


@dataclass
class Timeline:
    """Per quantity, the current figure, the earlier different one, and conflicts for the editor."""

    current: dict[str, Reported] = field(default_factory=dict)
    earlier: dict[str, Reported] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def stale(self, found: Iterable[Figure]) -> list[Figure]:
        """The figures in ``found`` that differ from their quantity's current figure."""
        return [f for f in found if f.kind in self.current and self.current[f.kind].figure.value != f.value]


def timeline(reports: Iterable[Reported]) -> Timeline:
    """Order each quantity's figures by report time: the newest report's first mention is current.

    >>> from datetime import UTC
    >>> t = lambda h: datetime(2026, 1, 1, h, tzinfo=UTC)
    >>> r = [Reported(Figure("deaths", 6, "six"), t(1), "a", "AP", 0),
    ...      Reported(Figure("deaths", 11, "11"), t(3), "b", "Reuters", 0)]
    >>> tl = timeline(r)
    >>> tl.current["deaths"].figure.value, tl.earlier["deaths"].figure.text
    (11, 'six')
    """
    by_kind: dict[str, list[Reported]] = {}
    for r in reports:
        by_kind.setdefault(r.figure.kind, []).append(r)
    out = Timeline()
    for kind, items in by_kind.items():
        first: dict[str, Reported] = {}  # each report's first mention of the quantity
        for r in sorted(items, key=lambda r: r.index):
            first.setdefault(r.story_id, r)
        ordered = sorted(first.values(), key=lambda r: (r.published, r.story_id), reverse=True)
        newest = ordered[0]
        out.current[kind] = newest
        label = LABELS[kind].removeprefix("The ")
        ties = [r for r in ordered[1:] if r.published == newest.published and r.figure.value != newest.figure.value]
        if ties:
            others = ", ".join(f"{r.figure.text} ({r.attribution})" for r in ties)
            out.notes.append(
                f"figure conflict: {label} is {newest.figure.text} ({newest.attribution}) but {others} "
                "at the same time; the summary uses the first, please check"
            )
        older = next((r for r in ordered[1:] if r.figure.value != newest.figure.value and r not in ties), None)
        if older is not None:
            out.earlier[kind] = older
            if kind in ("deaths", "injured") and older.figure.value > newest.figure.value:
                out.notes.append(
                    f"figure lowered: {label} was {older.figure.text} ({older.attribution}), "
                    f"now {newest.figure.text} ({newest.attribution}); please check"
                )
    return out


def earlier_sentence(kind: str, current: Figure, older: Reported) -> str:
    """The sentence that gives an older figure as the earlier figure it was.

    >>> earlier_sentence("deaths", Figure("deaths", 11, "11"), Reported(Figure("deaths", 6, "six"), datetime.min, "a", "the Associated Press", 0))
    'The death toll is up from six reported earlier by the Associated Press.'
    """
    old = older.figure
    if kind in ("deaths", "injured", "missing"):
        how = "up from" if current.value > old.value else "down from"
        return f"{LABELS[kind]} is {how} {old.text} reported earlier by {older.attribution}."
    return f"{LABELS[kind]} was first reported as {old.text} by {older.attribution}."
