"""HTML to clean, readable text: everyday markup read in one pass, anything else through bs4."""

from __future__ import annotations

import re
from html.entities import html5

from bs4 import BeautifulSoup
from bs4.element import CData, NavigableString, PageElement, Tag
from bs4.exceptions import ParserRejectedMarkup

from digest.core.text import xml_safe

_INVISIBLE = frozenset(("script", "style", "noscript", "template", "iframe", "object", "head"))
_BLOCKS = frozenset(("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr"))
_TEXT_TYPES = (NavigableString, CData)  # what ``get_text()`` takes: no comments, doctypes, script text
_BREAK = NavigableString("\n")  # marks the end of a block element during the walk
_SPACES = re.compile(r"(?: [ \t\r\f\v\u00a0]|[\t\r\f\v\u00a0])[ \t\r\f\v\u00a0]*")  # runs that are not one " "
_ODD_SPACES = ("  ", "\t", "\r", "\f", "\v", "\u00a0")
# The markup most feeds carry, read without building a tree: tags that html.parser and bs4 treat
# plainly (no raw-text content, no text-type change, no whitespace preservation), well-formed
# attributes, and character references that end in ";"; scripts and styles are skipped. Anything
# else (a comment, a noscript, a stray "<" or "&") is left to bs4, so both give the same text.
_PLAIN_TAGS = _BLOCKS | frozenset(
    (
        "a",
        "abbr",
        "b",
        "big",
        "caption",
        "center",
        "cite",
        "code",
        "dd",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "font",
        "hr",
        "i",
        "img",
        "mark",
        "ol",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "u",
        "ul",
        "wbr",
    )
)
_RAW_TEXT = frozenset(("script", "style"))  # html.parser reads their content as raw text
_RAW_END = re.compile(r"</(script|style)\s*>", re.I)
_VOID = frozenset(("br", "hr", "img", "wbr"))  # closed as soon as they open; their end tags do nothing
_MARKUP = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9]*)"  # a tag, or an end tag with no attributes
    r"((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'=<>`]+))?)*)\s*(/?)>"
    r"|&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{0,31}));"
    r"|[<&]"
)


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, one paragraph per line.

    Scripts, styles and other invisible elements are removed before the text is taken
    (``get_text`` alone would keep them). Text with no ``<`` and no ``&`` has no markup to
    parse: only its whitespace is normalized, exactly as the parsed path would. Markup made of
    everyday tags (paragraphs, links, emphasis, lists, breaks, scripts and styles) is read in one
    pass without a tree, to the same text; anything else goes through bs4.

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
    text = _plain_markup_text(markup)
    if text is None:
        text = _visible_text(_soup(markup))
    return _lines(xml_safe(text))


def _soup(markup: str) -> BeautifulSoup:
    """The parsed markup. html.parser gives up on some malformed marked sections (``<![0``, ``<![foo[``);
    then every ``<!`` is read as text, so a broken feed still gives its words.

    >>> _soup("<p>a <![0 b</p>").get_text()
    'a <![0 b'
    """
    try:
        return BeautifulSoup(markup, "html.parser")
    except ParserRejectedMarkup:
        return BeautifulSoup(markup.replace("<!", "&lt;!"), "html.parser")


def _plain_markup_text(markup: str) -> str | None:
    """What ``_visible_text`` gives for markup made only of plain tags, scripts and styles and
    well-formed references, in one pass with no tree; None for any other markup.

    A tree is only needed for which text sits between block boundaries, and a stack of open tag
    names answers that: an end tag closes back to its latest open namesake (none open: ignored),
    as bs4 does; a self-closing or void tag opens and closes at once. A script or style is skipped
    to its end tag, when the first ``</`` after it is that end tag (what every html.parser does).
    """
    out: list[str] = []
    open_tags: list[str] = []
    opened: dict[str, int] = {}  # how many of each name are open, so an end tag never scans in vain
    at = 0
    while (m := _MARKUP.search(markup, at)) is not None:
        out.append(markup[at : m.start()])
        at = m.end()
        end, name, attrs, empty, decimal, hexadecimal, entity = m.groups()
        if name:
            name = name.lower()
            if name not in _PLAIN_TAGS and name not in _RAW_TEXT or (end and (attrs or empty)):
                return None
            if end:
                if opened.get(name):
                    _close(name, open_tags, opened, out)
            elif name in _RAW_TEXT:
                if not empty:
                    close = markup.find("</", at)
                    shut = _RAW_END.match(markup, close) if close >= 0 else None
                    if shut is None or shut.group(1).lower() != name or "<!--" in markup[at:close]:
                        return None
                    at = shut.end()
            else:
                if name in _BLOCKS:
                    out.append("\n")
                if not empty and name not in _VOID:
                    open_tags.append(name)
                    opened[name] = opened.get(name, 0) + 1
        elif entity:
            character = html5.get(entity + ";")
            if character is None:
                return None
            out.append(character)
        elif decimal or hexadecimal:
            code = int(decimal, 10) if decimal else int(hexadecimal, 16)
            if code == 0 or 0x80 <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                return None  # bs4 maps these (windows-1252, U+FFFD)
            out.append(chr(code))
        else:  # a "<" or "&" that starts no plain tag or reference
            return None
    out.append(markup[at:])
    return "".join(out)


def _close(name: str, open_tags: list[str], opened: dict[str, int], out: list[str]) -> None:
    """Close open tags back to the latest ``name``; a line break if a block element closed."""
    cut = len(open_tags) - 1
    while open_tags[cut] != name:
        cut -= 1
    closed = open_tags[cut:]
    del open_tags[cut:]
    for tag in closed:
        opened[tag] -= 1
    if not _BLOCKS.isdisjoint(closed):
        out.append("\n")


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
