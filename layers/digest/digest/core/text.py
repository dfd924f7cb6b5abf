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
        paragraph = paragraph.strip()
        if paragraph:
            out.extend(_split(paragraph))
    return out


def _split(paragraph: str) -> list[str]:
    """A stripped, non-empty ``paragraph`` cut at every sentence-ending run of whitespace (which
    is dropped), a piece after an abbreviation joined back to it. The pieces need no stripping:
    each cut takes the whole run of whitespace and the paragraph's ends are stripped."""
    pieces: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(paragraph):
        piece = paragraph[start : end.start(1)]
        if pieces and pieces[-1].endswith(_ABBREVIATIONS):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
        start = end.end(1)
    piece = paragraph[start:]
    if pieces and pieces[-1].endswith(_ABBREVIATIONS):
        pieces[-1] = f"{pieces[-1]} {piece}"
    else:
        pieces.append(piece)
    return pieces


def whole_quotes(parts: list[str]) -> list[str]:
    """Sentences with a quote that runs on into the next joined to it, so no quote is cut.

    >>> whole_quotes(['"Not about packaging.', 'It is about our reefs," said Ana.', 'Done.'])
    ['"Not about packaging. It is about our reefs," said Ana.', 'Done.']
    """
    out: list[str] = []
    open_quote = False
    for part in parts:
        if open_quote:
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
        if (part.count('"') + part.count("\u201c") + part.count("\u201d")) % 2:
            open_quote = not open_quote
    return out


def word_count(text: str) -> int:
    """Number of whitespace-separated words."""
    return len(text.split())
