"""JSON wire formats: JSON Feed (1.x) and IPTC ninjs (1.x and 2.x), and telling them apart.

``load_json`` never raises (unreadable JSON is ``BAD``), ``json_kind`` names the format of a
loaded document and ``parse_json`` reads one into stories plus problems.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from digest.core.story import ParseResult, Source
from digest.core.wire.common import (
    CORRECTION,
    Item,
    add_problem,
    code_of,
    collect,
    dicts,
    html_text,
    listed,
    plain_text,
    scalar,
    web,
)

BAD = object()  # JSON that could not be read
_NINJS_KEYS = ("uri", "headline", "headlines")


def load_json(data: bytes) -> Any:
    """The JSON document in ``data``, or ``BAD`` when it cannot be read.

    Examples
    --------
    >>> load_json(b'{"a": 1}'), load_json(b'{"a": ') is BAD
    ({'a': 1}, True)
    """
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return BAD


def json_kind(doc: Any) -> str:
    """ "jsonfeed", "ninjs" (one item, a list of items or ``{"items": [...]}``), else "json".

    Examples
    --------
    >>> json_kind({"version": "https://jsonfeed.org/version/1.1"}), json_kind([{"uri": "x"}]), json_kind({})
    ('jsonfeed', 'ninjs', 'json')
    """
    if isinstance(doc, dict) and isinstance(doc.get("version"), str) and "jsonfeed" in doc["version"]:
        return "jsonfeed"
    items = doc.get("items") if isinstance(doc, dict) else doc
    if _is_ninjs(doc) or (isinstance(items, list) and (items == [] or any(map(_is_ninjs, items)))):
        return "ninjs"
    return "json"


def parse_json(kind: str, doc: Any, source: Source, now: datetime, result: ParseResult) -> None:
    """Add the stories and problems of a loaded JSON document of ``kind`` to ``result``.

    Parameters
    ----------
    kind : str
        "jsonfeed", "ninjs" or "json" (not a known format: a "not-a-feed" problem).
    doc : Any
        The document from ``load_json`` (``BAD``: a "malformed" problem).
    source, now, result
        The source read, the fetch time (the date of stories without one), where stories and problems go.
    """
    if doc is BAD:
        add_problem(result.problems, source, "malformed", "the JSON cannot be read")
    elif kind == "jsonfeed" and isinstance(doc, dict) and isinstance(doc.get("items"), list):
        collect(doc["items"], _jsonfeed_item, source, now, result)
    elif kind == "ninjs" and isinstance(doc, (dict, list)):
        items = doc.get("items") if isinstance(doc, dict) else doc
        collect(items if isinstance(items, list) else [doc], _ninjs_item, source, now, result)
    else:
        what = "a known wire format" if kind == "json" else kind
        add_problem(result.problems, source, "not-a-feed", f"the JSON is not {what}")


def _is_ninjs(value: Any) -> bool:
    return isinstance(value, dict) and any(key in value for key in _NINJS_KEYS)


def _jsonfeed_item(entry: Any, where: str) -> Item | None:
    if not isinstance(entry, dict):
        return None
    get = entry.get
    body = html_text(get("content_html")) or plain_text(get("content_text")) or plain_text(get("summary"))
    url = web(get("url")) or web(get("external_url"))
    return Item(
        where, scalar(get("id")), url, html_text(get("title")), body, (get("date_published"), get("date_modified"))
    )


def _ninjs_item(entry: Any, where: str) -> Item | None:
    if not isinstance(entry, dict):
        return None
    get = entry.get
    headlines = [h.get("value") for h in dicts(get("headlines"))]  # 2.x; 1.x has "headline"
    title = next(filter(None, map(html_text, [get("headline"), *headlines])), "")
    return Item(
        where,
        scalar(get("uri")),
        _ninjs_url(entry),
        title,
        _ninjs_body(entry),
        (get("versioncreated"), get("firstcreated")),
        get("embargoed"),
        get("urgency"),
        get("version"),
        get("pubstatus"),
        _ninjs_corrected(entry),
    )


def _ninjs_body(entry: dict[str, Any]) -> str:
    """The first of: 1.x body_html, body_text; 2.x bodies (HTML first); descriptions."""
    get = entry.get
    bodies = sorted(dicts(get("bodies")), key=lambda b: "html" not in scalar(b.get("contenttype")).lower())
    texts = [(html_text, get("body_html")), (plain_text, get("body_text"))]
    texts += [
        (html_text if "html" in scalar(b.get("contenttype")).lower() else plain_text, b.get("value")) for b in bodies
    ]
    texts += [(html_text, get("description_html")), (plain_text, get("description_text"))]
    texts += [(plain_text, d.get("value")) for d in dicts(get("descriptions"))]
    return next((text for clean, raw in texts if (text := clean(raw))), "")


def _ninjs_url(entry: dict[str, Any]) -> str:
    """A canonical/alternate or text/html link, else the item's uri when it is a web address."""
    links = [
        link.get("href")
        for link in dicts(entry.get("links"))
        if code_of(link.get("rel")) in ("canonical", "alternate")
        or scalar(link.get("mimetype") or link.get("contenttype")).lower() == "text/html"
    ]
    return next(filter(None, map(web, links)), "") or web(entry.get("uri"))


def _ninjs_corrected(entry: dict[str, Any]) -> bool:
    signals = listed(entry.get("signal")) + listed(entry.get("signals"))
    codes = [
        code_of(next((s[k] for k in ("code", "qcode", "name", "value") if s.get(k)), "") if isinstance(s, dict) else s)
        for s in signals
    ]
    notes = f"{scalar(entry.get('ednote'))} {scalar(entry.get('description_text'))}"
    return bool(CORRECTION.search(notes)) or any(code in ("cor", "correction") for code in codes)
