"""What an email's HTML shows the lint rules, read in one streaming pass (no tree needed).

:func:`scan` reads well-formed markup (every ``<`` opens a quoted-attribute tag, an end tag, a
plain comment or the doctype) with one regular expression, about ten times faster than the
standard library's parser, and hands anything else to that parser: the rules see the same
elements, attributes and text either way (a test holds the two readers to each other).
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

# HTML's void elements (never left open) and the elements whose text readers do not see.
_VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr basefont bgsound frame "
    "keygen menuitem param spacer".split()
)
_UNTEXT = frozenset(("script", "style", "template", "rt", "rp"))
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_WANTED_TAGS = frozenset(("a", "img", "table", "html"))


class Scan(HTMLParser):
    """The email as the rules see it, in one streaming pass of the standard library's HTML parser
    (a tree is not needed for these rules): every start tag is an element (a bare attribute is "",
    a repeated one keeps its last value); an end tag closes the latest open element of its name;
    void elements never stay open. ``strings`` (kept when ``want_text``) are the visible text:
    none inside script, style, template, rt or rp; CDATA kept; character references decoded by
    the parser as HTML5 defines them.
    """

    def __init__(self, want_text: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.want_text = want_text
        self.strings: list[str] = []  # the visible text, in order
        self._data: list[str] = []  # the string being read
        self.images: list[dict[str, str]] = []
        self.headings: list[int] = []
        self.hrefs: list[str | None] = []  # of every <a>; None: no href
        self.table_roles: list[str | None] = []
        self.lang: str | None = None  # of the first <html>; "" when it has none
        self._open: list[str] = []
        self._untext = 0  # open elements whose text get_text() leaves out

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool = False) -> None:
        self._flush()
        if tag in _HEADINGS or tag in _WANTED_TAGS:
            self.element(tag, {k: v or "" for k, v in attrs})
        if not closed and tag not in _VOID:
            self._open.append(tag)
            self._untext += tag in _UNTEXT

    def element(self, tag: str, attrs: dict[str, str]) -> None:
        """Note a start tag the rules look at (attributes as given last; a bare one is "")."""
        if tag in _HEADINGS:
            self.headings.append(_HEADINGS[tag])
        elif tag == "a":
            self.hrefs.append(attrs.get("href"))
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "table":
            self.table_roles.append(attrs.get("role"))
        elif tag == "html" and self.lang is None:
            self.lang = attrs.get("lang", "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs, closed=True)  # <x/>: opened and closed at once

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        while tag in self._open:
            name = self._open.pop()
            self._untext -= name in _UNTEXT
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.want_text:
            self._data.append(data)

    def handle_comment(self, data: str) -> None:
        self._flush()

    def handle_decl(self, decl: str) -> None:
        self._flush()

    def handle_pi(self, data: str) -> None:
        self._flush()

    def unknown_decl(self, data: str) -> None:
        self._flush()
        if self.want_text and data.upper().startswith("CDATA["):
            self.strings.append(data[len("CDATA[") :])

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        if self._data:
            if not self._untext:
                self.strings.append("".join(self._data))
            self._data = []


# Well-formed markup, read by one regular expression from one tag the rules look at to the next:
# start tags with bare or quoted attributes, end tags, comments with no "--" inside, the doctype,
# and script, style, title and textarea elements whose content has no "<"; whitespace is ASCII
# and names are plain. A page with anything else (or with elements parser versions read
# differently: xmp, iframe, noembed, noframes, noscript, plaintext) goes to the full parser.
_WS, _NAME = r"[\t\n\r\f ]", r"[a-zA-Z_:][-a-zA-Z0-9_:.]*"
_VALUE = rf"""{_WS}*={_WS}*(?:"([^"]*)"|'([^']*)')"""
_ATTRS = rf"""(?:{_WS}+{_NAME}(?:{_WS}*={_WS}*(?:"[^"]*"|'[^']*'))?)*"""
_WANTED = r"(?i:a|img|table|html|h[1-6])(?=[\t\n\r\f />])"
_TEXT_ONLY = ("script", "style", "title", "textarea")
_SPECIAL = rf"(?i:{'|'.join(_TEXT_ONLY)}|xmp|iframe|noembed|noframes|noscript|plaintext)(?=[\t\n\r\f />])"
_OTHER = "|".join(
    [
        rf"</[a-zA-Z][a-zA-Z0-9-]*{_WS}*>",
        rf"<(?!{_WANTED}|{_SPECIAL})[a-zA-Z][a-zA-Z0-9-]*{_ATTRS}{_WS}*/?>",
        r"<!--(?![->])(?:(?!--)[\s\S])*-->",
        r"<![dD][oO][cC][tT][yY][pP][eE][^<>]*>",
    ]
    + [rf"<(?i:{name}){_ATTRS}{_WS}*>[^<]*+</(?i:{name}){_WS}*>" for name in _TEXT_ONLY]
)
_NEXT = re.compile(rf"(?:[^<]++|{_OTHER})*+(?:<({_WANTED})({_ATTRS}){_WS}*/?>|\Z)")
_ATTR = re.compile(rf"{_WS}+({_NAME})(?:{_VALUE})?")


def scan(html: str, want_text: bool = False) -> Scan:
    """What the lint rules see in ``html`` (its visible text too when ``want_text``).

    Examples
    --------
    >>> page = scan('<html lang="en"><h1>Hi</h1><!-- <h2> --><a href="https://x/?a=1&amp;b=2">x</a></html>')
    >>> page.lang, page.headings, page.hrefs
    ('en', [1], ['https://x/?a=1&b=2'])
    >>> scan("<p>1 < 2 &amp; <b>bold</b></p>", want_text=True).strings
    ['1 < 2 & ', 'bold']
    """
    page = Scan(want_text)
    if want_text or not _read(html, page):
        page = Scan(want_text)
        page.feed(html)
    page.close()
    return page


def _read(html: str, page: Scan) -> bool:
    """Note the tags the rules look at in ``page``; ``False`` if the markup is not the simple kind."""
    pos, size = 0, len(html)
    while True:
        found = _NEXT.match(html, pos)
        if found is None:
            return False
        pos = found.end()
        tag, attrs = found.group(1, 2)
        if tag is None:
            return pos == size
        tag = tag.lower()
        if tag in _HEADINGS:  # a heading's attributes do not matter
            page.headings.append(_HEADINGS[tag])
        else:
            page.element(tag, {name.lower(): _value(double or single) for name, double, single in _ATTR.findall(attrs)})


def _value(text: str) -> str:
    return unescape(text) if "&" in text else text
