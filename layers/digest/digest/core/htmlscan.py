"""What an email's HTML shows the lint rules, read in one streaming pass (no tree needed)."""

from __future__ import annotations

from html.parser import HTMLParser

# HTML's void elements (never left open) and the elements whose text readers do not see.
_VOID = frozenset("area base br col embed hr img input link meta source track wbr basefont bgsound frame "
                  "keygen menuitem param spacer".split())
_UNTEXT = frozenset(("script", "style", "template", "rt", "rp"))
_HEADINGS = {f"h{level}": level for level in range(1, 7)}


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
        if tag in _HEADINGS:
            self.headings.append(_HEADINGS[tag])
        elif tag in ("a", "img", "table", "html"):
            found = {k: v or "" for k, v in attrs}
            if tag == "a":
                self.hrefs.append(found.get("href"))
            elif tag == "img":
                self.images.append(found)
            elif tag == "table":
                self.table_roles.append(found.get("role"))
            elif self.lang is None:
                self.lang = found.get("lang", "")
        if not closed and tag not in _VOID:
            self._open.append(tag)
            self._untext += tag in _UNTEXT

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

    handle_decl = handle_pi = handle_comment

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
