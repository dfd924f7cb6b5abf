"""HTML to clean, readable text; sentence splitting."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

_INVISIBLE = ("script", "style", "noscript", "template", "iframe", "object", "head")
_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
# Characters XML 1.0 forbids (they would make SSML and feeds ill-formed).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019)]))\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])"
)
_ABBREVIATIONS = ("Mr.", "Mrs.", "Ms.", "Dr.", "St.", "U.S.", "U.N.", "U.K.", "Gen.", "Sen.",
                  "Rep.", "Gov.", "Jan.", "Feb.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.", "No.")


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, one paragraph per line.

    Scripts, styles and other invisible elements are removed before the text is taken
    (``get_text`` alone would keep them).

    Examples
    --------
    >>> html_to_text("<p>One &amp; two.</p><script>alert(1)</script><p>Three</p>")
    'One & two.\\nThree'
    """
    soup = BeautifulSoup(xml_safe(html or ""), "html.parser")
    for tag in soup.find_all(_INVISIBLE):
        tag.decompose()
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = (_SPACES.sub(" ", xml_safe(line)).strip() for line in soup.get_text().split("\n"))
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
        for piece in _SENTENCE_END.split(paragraph.strip()):
            if merged and merged[-1].endswith(_ABBREVIATIONS):
                merged[-1] = f"{merged[-1]} {piece}"
            elif piece.strip():
                merged.append(piece.strip())
        out.extend(merged)
    return out


def word_count(text: str) -> int:
    """Number of whitespace-separated words."""
    return len(text.split())
