"""A report's sentences as a summary uses them: copy cleaned of datelines, bylines, "more" links,
captions and boilerplate, then each sentence with its features worked out once (content words,
names and numbers, figures, and whether it leans on the sentence before it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from digest.core.attribution import strip_dateline
from digest.core.figures import NUMBER_WORDS, Figure, figures, may_have_figures
from digest.core.story import Story
from digest.core.text import sentences, whole_quotes
from digest.core.words import CALENDAR_WORDS, STOP_WORDS, word_set

# Whole lines that are not story text: captions and boilerplate of any length; bylines, "more"
# links and calls to act only as short lines (a paragraph may well start "More than 400 ...").
# Each pattern runs only on a line whose start or end could match (most lines are story text).
_JUNK_START = re.compile(
    r"(?:(?:photo|image|picture|caption|video|graphic|file)\s*(?:[:\u2014\u2013]|\s-\s)"  # captions
    r"|\[(?:photo|image|video)\b"
    r"|[_*=\u2014\u2013-]{3,}\s*$"  # rules
    r"|\(?(?:reporting|writing|editing|additional reporting|compiled) by\b"
    r"|copyright\b|\u00a9|all rights reserved|advertisement$|this (?:story|article) (?:has been|was) )"
)
_STARTS = (
    "photo", "image", "picture", "caption", "video", "graphic", "file", "[", "_", "*", "=", "\u2014", "\u2013",
    "-", "(", "reporting", "writing", "editing", "additional", "compiled", "copyright", "\u00a9", "all rights",
    "advertisement", "this story", "this article",
)  # fmt: skip
_PHOTO_CREDIT = re.compile(r"\((?:AP|AFP|Reuters|EPA|Getty)[^()]*(?:Photo|Images|/)[^()]*\)$")
_CONTRIBUTED = re.compile(r"\bcontributed to this (?:report|story)\.?$")
_JUNK_SHORT = re.compile(
    r"(?:by\s+[a-z][^.!?]*$"  # byline
    r"|(?:read|see|watch|listen|continue reading|click|more|related|also read|sign up|subscribe|follow)\b"
    r"(?:.*(?:[:>]|\bhere\b|\bmore\b|\bcoverage\b|https?://|\bnewsletter\b)|\W*$))"
)
_SHORT_STARTS = tuple("by read see watch listen continue click more related also sign subscribe follow".split())
SHORT_LINE = 14  # words
MAX_SENTENCES = 12  # per report: a summary of 150 words never reaches further into wire copy
_TAIL = re.compile(r"\s*\((?:reporting|writing|editing|additional reporting) by[^)]*\)\s*$", re.IGNORECASE)
_CAPS_DATELINE = re.compile(r"^[A-Z]{2,}[A-Z .'\u2019-]*(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)?\s*[\u2014\u2013]\s+")
_LEANING_FIRST = frozenset(
    "he she it they him them his her its their this these those that but and also however "
    "meanwhile yet instead moreover besides".split()
)
_LEANING_NOUNS = frozenset(
    "company firm agency group bank move official minister spokesman spokeswoman spokesperson "
    "statement decision man woman boy girl couple pair suspect organisation organization".split()
)
_QUOTES = '"\u201c\u201d'
_SAID = r"(?:said|says|told|added|wrote)"
_NAME = r"[A-Z][\w'\u2019.-]+(?:\s+[A-Z][\w'\u2019.-]+)*"
_SPEAKER_AFTER = re.compile(
    rf"\b(?:said|says|added|wrote)\s+(?:(?:[a-z][\w-]*|[A-Z]{{2,}})\s+){{0,5}}?({_NAME}|he|she|they)\b"
)
_SPEAKER_BEFORE = re.compile(rf"\b({_NAME}|[Hh]e|[Ss]he|[Tt]hey),?\s+{_SAID}\b")
_PUNCTUATION = "\"'\u201c\u201d\u2018\u2019()[],.;:!?"
_NUMBER_WORDS = frozenset(NUMBER_WORDS)
# A name or number: a capital or digit at the start of a word (the same matches as a leading \b,
# written as a class first and a look-behind so the regex engine skips ahead to candidates).
_NAME_OR_NUMBER = re.compile(r"[A-Z0-9](?<!\w.)[\w'\u2019-]*(?:[.,:]\d+)*")
_NOT_KEYS = STOP_WORDS | CALENDAR_WORDS
_PRONOUNS = frozenset({"he", "she", "they", "He", "She", "They"})


class Sentence:
    """One sentence of a report, with what the summarizer needs to know about it (a plain class
    with slots: a summary makes one per sentence of every report it reads). Its content words
    and its names and numbers are worked out the first time they are asked for."""

    __slots__ = ("text", "story", "index", "figures", "leans", "speaker", "words", "_vocabulary")

    def __init__(
        self,
        text: str,
        story: Story,
        index: int,  # position among the report's sentences (0 = the lead)
        figures: tuple[Figure, ...],
        leans: bool,  # needs the sentence before it, whatever the summary says
        speaker: str,  # a quote's one-word speaker, to be named earlier in the summary ("" if none)
        words: int = -1,  # its length in whitespace-separated words (-1: counted here)
    ) -> None:
        self.text, self.story, self.index, self.figures = text, story, index, figures
        self.leans, self.speaker = leans, speaker
        self.words = words if words >= 0 else len(text.split())
        self._vocabulary: tuple[frozenset[str], frozenset[str]] | None = None

    @property
    def content(self) -> frozenset[str]:
        """Its content words, lower case."""
        return (self._vocabulary or self._vocabulary_now())[0]

    @property
    def keys(self) -> frozenset[str]:
        """Its names and numbers, lower case (number words as numbers)."""
        return (self._vocabulary or self._vocabulary_now())[1]

    def vocabulary(self) -> tuple[frozenset[str], frozenset[str]]:
        """``(content, keys)`` in one call."""
        return self._vocabulary or self._vocabulary_now()

    def _vocabulary_now(self) -> tuple[frozenset[str], frozenset[str]]:
        found = word_set(self.text)
        keys = set(" ".join(_NAME_OR_NUMBER.findall(self.text)).lower().replace("'s ", " ").split())
        numbers = found & _NUMBER_WORDS
        if numbers:
            keys.update(f"{NUMBER_WORDS[w]:g}" for w in numbers)  # "six" is the key "6"
        keys -= _NOT_KEYS
        self._vocabulary = vocabulary = (found - STOP_WORDS, frozenset(keys))
        return vocabulary

    def __repr__(self) -> str:
        return f"Sentence({self.story.story_id}#{self.index}: {self.text!r})"


def clean_lines(body: str) -> list[str]:
    """The story text without datelines, bylines, "more" links, captions and boilerplate.

    >>> clean_lines("By Ana Ruiz, Associated Press\\nLIMA (AP) \u2014 A quake hit.\\nRead more: https://x\\n___")
    ['A quake hit.']
    """
    return list(_clean(body))


def _clean(body: str) -> Iterator[str]:
    """:func:`clean_lines`, one line at a time."""
    first = True
    for line in (body or "").split("\n"):
        line = line.strip()
        if not line or _junk(line):
            continue
        if first:
            line = _CAPS_DATELINE.sub("", strip_dateline(line), count=1)
        if line.endswith(")"):
            line = _TAIL.sub("", line)
        if line:
            first = False
            yield line


def _junk(line: str) -> bool:
    """Is the whole line a byline, caption, link, rule or boilerplate?"""
    lower = line.lower()
    if lower.startswith(_STARTS) and _JUNK_START.match(lower):
        return True
    if line.endswith(")") and _PHOTO_CREDIT.search(line[-80:]):
        return True
    if "contributed to" in lower and _CONTRIBUTED.search(lower):
        return True
    return lower.startswith(_SHORT_STARTS) and line.count(" ") < SHORT_LINE and _JUNK_SHORT.match(lower) is not None


_Features = tuple[tuple[Figure, ...], bool, str]


def report_sentences(
    story: Story, memo: dict[str, _Features] | None = None, *, read_figures: bool = True, limit: int = MAX_SENTENCES
) -> list[Sentence]:
    """The report's usable sentences (at most ``limit``), numbered from its lead, with their
    features (worked out once per distinct sentence when the same ``memo`` is passed for every
    report of a cluster: updates repeat most of their copy). ``read_figures=False`` skips figures.

    >>> from datetime import datetime, UTC
    >>> s = Story("a", "ap", "AP", "the AP", "a", "T", "LIMA (AP) \u2014 A quake killed six. It hit Lima.", "", datetime(2026, 1, 1, tzinfo=UTC), "h")
    >>> [(x.index, x.text, x.leans, x.figures[0].value) for x in report_sentences(s)[:1]]
    [(0, 'A quake killed six.', False, 6.0)]
    >>> report_sentences(s)[1].leans
    True
    """
    memo = {} if memo is None else memo
    counted = read_figures and may_have_figures(story.body or "")  # most reports give none: no sentence is read for one
    out: list[Sentence] = []
    for line in _clean(story.body):
        _append(story, line, counted, memo, out)
        if len(out) >= limit:
            break
    del out[max(0, limit) :]
    return out


def iter_sentences(story: Story, limit: int = MAX_SENTENCES) -> Iterator[Sentence]:
    """:func:`report_sentences` without figures, read one paragraph at a time as they are asked
    for (a report summarized alone stops being read once its summary is full).

    >>> from datetime import datetime, UTC
    >>> s = Story("a", "ap", "AP", "the AP", "a", "T", "A quake hit.\\nIt hit Lima. Schools shut.", "", datetime(2026, 1, 1, tzinfo=UTC), "h")
    >>> [(x.index, x.text) for x in iter_sentences(s, limit=2)]
    [(0, 'A quake hit.'), (1, 'It hit Lima.')]
    """
    out: list[Sentence] = []
    memo: dict[str, _Features] = {}
    for line in _clean(story.body):
        start = len(out)
        _append(story, line, False, memo, out)
        yield from out[start:limit]
        if len(out) >= limit:
            return


def _append(story: Story, line: str, counted: bool, memo: dict[str, _Features], out: list[Sentence]) -> None:
    """The line's sentences (a quote that runs on joined whole, fragments without a space
    dropped) with their features, numbered on from those in ``out``, appended to it."""
    found = sentences(line)
    if '"' in line or "\u201c" in line or "\u201d" in line:
        found = whole_quotes(found)
    for text in found:
        if " " not in text:  # sentences come stripped: a single word is a fragment
            continue
        known = memo.get(text)
        if known is None:
            known = memo[text] = (figures(text) if counted else (), *_leaning(text))
        out.append(Sentence(text, story, len(out), *known))


def _leaning(text: str) -> tuple[bool, str]:
    """Does the sentence lean on the one before it, and whose quote must already be introduced?"""
    tokens = text.split(None, 2)  # its first two words are all that is read of it here
    if not tokens:
        return True, ""
    first = tokens[0].strip(_PUNCTUATION).lower()
    quoted = text.lstrip()[:1] in _QUOTES  # a quote's own "this" or "it" is the speaker's
    if first in _LEANING_FIRST and not quoted:
        return True, ""
    if first == "the" and not quoted and len(tokens) > 1 and tokens[1].strip(_PUNCTUATION).lower() in _LEANING_NOUNS:
        return True, ""
    if '"' not in text and "\u201c" not in text and "\u201d" not in text:
        return False, ""
    stripped = text.strip()
    if (
        stripped[:1] in '"\u201c'
        and stripped.rstrip(".")[-1:] in '"\u201d'
        and text.count('"') + text.count("\u201c") <= 2
    ):
        return True, ""  # a bare quote: its speaker was named before
    before, after = _SPEAKER_BEFORE.search(text), _SPEAKER_AFTER.search(text)
    speaker = before if before is not None and (after is None or before.start() < after.start()) else after
    if speaker is None:
        return False, ""
    name = speaker.group(1)
    if name in _PRONOUNS:
        return True, ""
    return False, name if " " not in name else ""
