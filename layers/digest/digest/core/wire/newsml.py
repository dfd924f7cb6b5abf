"""IPTC NewsML-G2: a ``newsMessage`` of news items, or one ``newsItem``, read into stories.

The document is read with defusedxml's parser, which refuses DOCTYPE and ENTITY declarations
and anything external whatever the document's encoding.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from digest.core.html_text import html_to_text
from digest.core.story import ParseResult, Source
from digest.core.wire.common import (
    CORRECTION,
    Item,
    add_problem,
    code_of,
    collect,
    html_text,
    plain_text,
    scalar,
    web,
)

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
_NS = {"n": NAR, "h": XHTML}


def parse_newsml(data: bytes, source: Source, now: datetime, result: ParseResult) -> None:
    """Add the stories and problems of a NewsML-G2 document to ``result``.

    Parameters
    ----------
    data : bytes
        The document; one with a DOCTYPE or ENTITY declaration is refused ("unsafe-xml").
    source, now, result
        The source read, the fetch time (the date of stories without one), where stories and problems go.

    Examples
    --------
    >>> from datetime import timezone
    >>> src, result = Source("x", "Example Wire", "Example Wire", "https://x"), ParseResult()
    >>> parse_newsml(f'<newsItem xmlns="{NAR}" guid="urn:x:1"><contentMeta><headline>Hi</headline>'
    ...              '<description>Text.</description></contentMeta></newsItem>'.encode(),
    ...              src, datetime(2026, 11, 28, tzinfo=timezone.utc), result)
    >>> [(s.title, s.body) for s in result.stories], [p.kind for p in result.problems]
    ([('Hi', 'Text.')], ['no-date'])
    """
    # No DOCTYPE, no entity declarations, nothing external; the C tree builder (defusedxml defaults to
    # the pure-Python one, whose recursive iter() fails on deep markup).
    parser = DefusedXMLParser(target=ET.TreeBuilder(), forbid_dtd=True)
    try:
        parser.feed(data.lstrip(b" \t\r\n"))  # a stray newline before <?xml is common
        root = parser.close()
    except DefusedXmlException:
        add_problem(result.problems, source, "unsafe-xml", "DOCTYPE or ENTITY declarations are refused")
        return
    except (ET.ParseError, ValueError, LookupError) as exc:
        add_problem(result.problems, source, "malformed", f"{type(exc).__name__}: {exc}")
        return
    if root.tag == f"{{{NAR}}}newsMessage":
        collect(root.findall("n:itemSet/n:newsItem", _NS), _newsml_item, source, now, result)
    elif root.tag == f"{{{NAR}}}newsItem":
        collect([root], _newsml_item, source, now, result)
    else:
        add_problem(result.problems, source, "not-a-feed", f"XML root {root.tag!r:.80} is not a NewsML-G2 item")


def _newsml_item(item: ET.Element, where: str) -> Item:
    def text(path: str) -> str | None:
        node = item.find(path, _NS)
        return None if node is None else "".join(node.itertext()).strip()

    meta = item.find("n:itemMeta", _NS)
    meta = ET.Element("itemMeta") if meta is None else meta
    signals = [code_of(signal.get("qcode")) for signal in meta.findall("n:signal", _NS)]  # sig:correction
    links = [
        link.get("href")
        for link in meta.findall("n:link", _NS)
        if code_of(link.get("rel")) in ("seealso", "canonical", "alternate") or link.get("contenttype") == "text/html"
    ]
    guid = scalar(item.get("guid"))
    status = meta.find("n:pubStatus", _NS)
    return Item(
        where,
        guid,
        next(filter(None, map(web, links)), "") or web(guid),
        plain_text(text("n:contentMeta/n:headline")),
        _newsml_body(item) or plain_text(text("n:contentMeta/n:description")),
        (text("n:itemMeta/n:versionCreated"), text("n:itemMeta/n:firstCreated")),
        text("n:itemMeta/n:embargoed"),
        text("n:contentMeta/n:urgency"),
        item.get("version"),
        None if status is None else (status.get("qcode") or status.get("uri")),
        any(s.startswith("cor") for s in signals) or bool(CORRECTION.search(text("n:itemMeta/n:edNote") or "")),
    )


def _newsml_body(item: ET.Element) -> str:
    for inline in item.iterfind("n:contentSet/n:inlineXML", _NS):
        body = inline.find("h:html/h:body", _NS)
        body = inline.find(".//h:body", _NS) if body is None else body
        for node in (inline if body is None else body).iter():  # plain names, no attributes: HTML again
            node.tag = node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else node.tag
            node.attrib.clear()
        try:
            text = html_to_text(ET.tostring(inline if body is None else body, encoding="unicode"))
        except RecursionError:  # absurdly deep markup: no usable text here
            text = ""
        if text:
            return text
    for inline in item.iterfind("n:contentSet/n:inlineData", _NS):
        html = "html" in scalar(inline.get("contenttype")).lower()
        text = (html_text if html else plain_text)("".join(inline.itertext()))
        if text:
            return text
    return ""
