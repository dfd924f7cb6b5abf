"""Credit for a feed that is not in the sources file: the name the feed gives itself.

A summary names its agency in running text ("..., the Associated Press reported."). A configured
source has its name in the sources file; a feed tried on the command line (``digest feeds check``,
``digest demo --feeds``) is credited by its own author or title, never by a file name or key.
"""

from __future__ import annotations

import html
import json
import re

from digest.core.story import Source

_HEAD = 8192  # the feed's own elements come before its first item
_FIRST_ITEM = re.compile(rb"<(?:\w+:)?(?:item|entry)[\s>]")
_AUTHOR = re.compile(rb"<(?:\w+:)?author[^>]*>\s*<(?:\w+:)?name[^>]*>([^<]{1,120})<", re.IGNORECASE)
_CREATOR = re.compile(rb"<(?:dc:creator|managingEditor|(?:\w+:)?publisher)[^>]*>([^<]{1,120})<", re.IGNORECASE)
_TITLE = re.compile(rb"<(?:\w+:)?title[^>]*>(?:<!\[CDATA\[)?([^<\]]{1,160})", re.IGNORECASE)
_NOTE = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")  # a trailing "(sample)" or "[beta]"
_EMAIL = re.compile(r"^\S+@\S+\s*\((.+)\)$")  # RSS managingEditor: "news@example.org (Jane Doe)"


def feed_name(data: bytes) -> str:
    """The feed's own name: its author, else its title ("" when it gives neither).

    Examples
    --------
    >>> feed_name(b'<feed xmlns="http://www.w3.org/2005/Atom"><title>AFP World (sample)</title>'
    ...           b'<author><name>Agence France-Presse</name></author><entry><title>x</title></entry></feed>')
    'Agence France-Presse'
    >>> feed_name(b"<rss><channel><title>Kastro Evening Gazette</title><item><title>x</title></item></channel></rss>")
    'Kastro Evening Gazette'
    >>> feed_name(b'{"version": "https://jsonfeed.org/version/1.1", "title": "Harbour News", "items": []}')
    'Harbour News'
    >>> feed_name(b"not a feed")
    ''
    """
    text = data.lstrip()[:1]
    if text in (b"{", b"["):
        return _json_name(data)
    head = data[:_HEAD]
    first = _FIRST_ITEM.search(head)
    head = head[: first.start()] if first else head
    for pattern in (_AUTHOR, _CREATOR, _TITLE):
        found = pattern.search(head)
        if found:
            name = _clean(found.group(1).decode("utf-8", "replace"))
            if name:
                return name
    return ""


def _json_name(data: bytes) -> str:
    try:
        doc = json.loads(data)
    except ValueError:
        return ""
    if not isinstance(doc, dict):
        return ""
    authors = doc.get("authors") or ([doc["author"]] if isinstance(doc.get("author"), dict) else [])
    for author in authors if isinstance(authors, list) else []:
        if isinstance(author, dict) and isinstance(author.get("name"), str) and _clean(author["name"]):
            return _clean(author["name"])
    for key in ("title", "copyrightholder", "provider"):
        value = doc.get(key)
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, str) and _clean(value):
            return _clean(value)
    return ""


def _clean(raw: str) -> str:
    name = " ".join(html.unescape(raw).split())
    email = _EMAIL.match(name)
    name = email.group(1) if email else name
    return _NOTE.sub("", name).strip()


def unconfigured_source(data: bytes, key: str, url: str, fallback: str = "an unnamed feed") -> Source:
    """A :class:`Source` for a feed not in the sources file, named by the feed itself.

    >>> unconfigured_source(b"<rss><channel><title>Kastro Evening Gazette</title></channel></rss>", "gazette", "g.xml").attribution
    'Kastro Evening Gazette'
    >>> unconfigured_source(b"<rss></rss>", "ap", "ap.xml").attribution
    'an unnamed feed'
    """
    name = feed_name(data) or fallback
    return Source(key, name, name, url)
