"""Plain text: sentence splitting, word counts, and the characters XML cannot carry."""

from __future__ import annotations

import re

# Characters XML 1.0 forbids (they would make SSML and feeds ill-formed).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A sentence ends at the whitespace (group 1) after . ! or ? (optionally closed by a quote or
# bracket) when a capital or digit, perhaps after an opening quote, follows. Starting the pattern
# with the punctuation (not a look-behind) lets the regex engine skip ahead to candidates.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]?(\s+)(?=[\"'\u201c\u2018(]?[A-Z0-9])")
_ABBREVIATIONS = (
    "Mr.",
    "Mrs.",
    "Ms.",
    "Dr.",
    "St.",
    "U.S.",
    "U.N.",
    "U.K.",
    "Gen.",
    "Sen.",
    "Rep.",
    "Gov.",
    "Jan.",
    "Feb.",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
    "No.",
)


def xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 forbids replaced by spaces.

    Examples
    --------
    >>> xml_safe("Oil\x01 fell\uffff")
    'Oil  fell '
    """
    return _FORBIDDEN.sub(" ", text)


def sentences(text: str) -> list[str]:
    """Split plain text into sentences, keeping common abbreviations intact.

    Examples
    --------
    >>> sentences("Mr. Lee spoke. Markets rose 2.5 percent! Why?")
    ['Mr. Lee spoke.', 'Markets rose 2.5 percent!', 'Why?']
    """
    out: list[str] = []
    for paragraph in text.split("\n"):
        merged: list[str] = []
        for piece in _split(paragraph.strip()):
            if merged and merged[-1].endswith(_ABBREVIATIONS):
                merged[-1] = f"{merged[-1]} {piece}"
            elif piece.strip():
                merged.append(piece.strip())
        out.extend(merged)
    return out


def _split(paragraph: str) -> list[str]:
    """``paragraph`` cut at every sentence-ending run of whitespace (which is dropped)."""
    pieces, start = [], 0
    for end in _SENTENCE_END.finditer(paragraph):
        pieces.append(paragraph[start : end.start(1)])
        start = end.end(1)
    pieces.append(paragraph[start:])
    return pieces


def word_count(text: str) -> int:
    """Number of whitespace-separated words."""
    return len(text.split())
