"""Stable identities: canonical URLs and story ids that survive tracking parameters and whitespace."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|smid|taid|ref|src)$", re.I)


def canonical_url(url: str) -> str:
    """A URL with tracking parameters, fragment, default port and host case removed.

    Examples
    --------
    >>> canonical_url("HTTPS://News.Example.com:443/a/b/?utm_source=x&id=3#top")
    'https://news.example.com/a/b/?id=3'
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # an unbalanced IPv6 bracket or a port that is not a number
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if port and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(sorted(query)), ""))


def normalized(text: str) -> str:
    """Lower-case text with runs of whitespace collapsed, the basis of content hashes.

    ``str.split()`` and the regex ``\\s`` know the same whitespace, so this is
    ``re.sub(r"\\s+", " ", text).strip().lower()`` without the regex.

    Examples
    --------
    >>> normalized("  Quake\\u00a0hits \\n LIMA ")
    'quake hits lima'
    """
    return " ".join(text.split()).lower()


def content_hash(*parts: str) -> str:
    """A short hex digest of normalized text parts.

    Examples
    --------
    >>> content_hash("Hello  World") == content_hash(" hello world ")
    True
    """
    digest = hashlib.sha256("\x1f".join(normalized(p) for p in parts).encode("utf-8"))
    return digest.hexdigest()[:24]


def story_id(source: str, guid: str | None, url: str | None, title: str, body: str) -> str:
    """Identity of a story: the agency's id, else the canonical URL, else a hash of its content.

    The id is prefixed with the source key, so two agencies can never collide.

    Examples
    --------
    >>> story_id("ap", "ap-1", None, "t", "b") == story_id("ap", " ap-1 ", "https://x", "u", "c")
    True
    """
    if guid and guid.strip():
        basis = "guid:" + guid.strip()
    elif url and url.strip():
        basis = "url:" + canonical_url(url)
    else:
        basis = "text:" + content_hash(title, body)
    return f"{source}-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]
