"""HTML to clean, readable text; sentence splitting."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import CData, NavigableString, PageElement, Tag

_INVISIBLE = frozenset(("script", "style", "noscript", "template", "iframe", "object", "head"))
_BLOCKS = frozenset(("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr"))
_TEXT_TYPES = (NavigableString, CData)  # what ``get_text()`` takes: no comments, doctypes, script text
_BREAK = NavigableString("\n")  # marks the end of a block element during the walk
_SPACES = re.compile(r"(?: [ \t\r\f\v\u00a0]|[\t\r\f\v\u00a0])[ \t\r\f\v\u00a0]*")  # runs that are not one " "
_ODD_SPACES = ("  ", "\t", "\r", "\f", "\v", "\u00a0")
# Characters XML 1.0 forbids (they would make SSML and feeds ill-formed).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A sentence ends at the whitespace (group 1) after . ! or ? (optionally closed by a quote or
# bracket) when a capital or digit, perhaps after an opening quote, follows. Starting the pattern
# with the punctuation (not a look-behind) lets the regex engine skip ahead to candidates.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]?(\s+)(?=[\"'\u201c\u2018(]?[A-Z0-9])")
_ABBREVIATIONS = ("Mr.", "Mrs.", "Ms.", "Dr.", "St.", "U.S.", "U.N.", "U.K.", "Gen.", "Sen.",
                  "Rep.", "Gov.", "Jan.", "Feb.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.", "No.")


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, one paragraph per line.

    Scripts, styles and other invisible elements are removed before the text is taken
    (``get_text`` alone would keep them). Text with no ``<`` and no ``&`` has no markup to
    parse: only its whitespace is normalized, exactly as the parsed path would.

    Examples
    --------
    >>> html_to_text("<p>One &amp; two.</p><script>alert(1)</script><p>Three</p>")
    'One & two.\\nThree'
    >>> html_to_text("  Plain   text\\n\\n  twice ")
    'Plain text\\ntwice'
    """
    markup = xml_safe(html or "")
    if "<" not in markup and "&" not in markup:
        return _lines(markup)
    return _lines(xml_safe(_visible_text(BeautifulSoup(markup, "html.parser"))))


def _visible_text(soup: BeautifulSoup) -> str:
    """The soup's text (what ``get_text()`` gives) without invisible elements, each block element
    wrapped in line breaks; one depth-first walk, no tree edits."""
    out: list[str] = []
    stack: list[PageElement] = list(reversed(soup.contents))
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            if node.name in _INVISIBLE:
                continue
            if node.name in _BLOCKS:
                out.append("\n")
                stack.append(_BREAK)
            stack.extend(reversed(node.contents))
        elif type(node) in _TEXT_TYPES:  # _BREAK included
            out.append(str(node))
    return "".join(out)


def _lines(text: str) -> str:
    if any(space in text for space in _ODD_SPACES):  # a single " " is already normal
        text = _SPACES.sub(" ", text)
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


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
