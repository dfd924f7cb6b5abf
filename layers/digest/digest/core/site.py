"""The reader's pages: where they live, what they link to, and the site as a folder to read offline.

The sign-up, student and share pages are published with the site (the bucket's ``site/`` prefix,
served at clean URLs such as ``/subscribe``); the confirmation, preferences and unsubscribe pages
are answers of the public API. Both kinds render the templates in ``templates/site/``.
Pure: no I/O, no clock.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from posixpath import relpath
from typing import Any
from urllib.parse import quote

import jinja2

from digest.core.edition import Brand
from digest.core.render import palette

# Site object key -> template; the keys have no extension so their URLs stay /subscribe, /students.
PUBLISHED_PAGES = {
    "site/subscribe": "signup",
    "site/students": "students",
    "site/desk": "desk",
}  # desk: the editors' console

SHARE_PAGE = "share"
HTML = "text/html; charset=utf-8"
NONE = "'none'"


@dataclass(frozen=True)
class SiteLinks:
    """Where the reader's pages are: the public site and the public API.

    Examples
    --------
    >>> links = SiteLinks("https://news.example.org/digest/", "https://api.example.org")
    >>> links.site_url, links.subscribe_action, links.page("students")
    ('https://news.example.org/digest', 'https://api.example.org/subscribe', 'https://news.example.org/digest/students')
    """

    site_url: str
    api_url: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "site_url", self.site_url.rstrip("/"))
        object.__setattr__(self, "api_url", self.api_url.rstrip("/"))

    def page(self, name: str) -> str:
        return f"{self.site_url}/{name}"

    @property
    def subscribe_action(self) -> str:
        return f"{self.api_url}/subscribe"


def render_page(env: jinja2.Environment, name: str, brand: Brand, links: SiteLinks, **context: Any) -> str:
    """Render ``templates/site/<name>.html.j2`` with the brand, its checked colours and the links.

    Examples
    --------
    >>> env = jinja2.Environment(loader=jinja2.DictLoader({"site/x.html.j2": "{{ brand.name }} {{ links.api_url }}"}))
    >>> render_page(env, "x", Brand(), SiteLinks("https://s", "https://a"))
    'Morning Digest https://a'
    """
    template = env.get_template(f"site/{name}.html.j2")
    return template.render(brand=brand, palette=palette(brand), links=links, **context)


def share_links(url: str, title: str) -> list[tuple[str, str]]:
    """Plain share links (no third-party script): (label, href), mail first.

    Examples
    --------
    >>> [label for label, _ in share_links("https://x/2026-11-28/index.html", "Digest")]
    ['Email', 'Bluesky', 'Mastodon', 'LinkedIn', 'Facebook', 'X (Twitter)']
    >>> share_links("https://x/a", "A & B")[0][1]
    'mailto:?subject=A%20%26%20B&body=https%3A%2F%2Fx%2Fa'
    """
    u, t, both = quote(url, safe=""), quote(title, safe=""), quote(f"{title} {url}", safe="")
    return [
        ("Email", f"mailto:?subject={t}&body={u}"),
        ("Bluesky", f"https://bsky.app/intent/compose?text={both}"),
        ("Mastodon", f"https://mastodonshare.com/?text={t}&url={u}"),
        ("LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={u}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ("X (Twitter)", f"https://twitter.com/intent/tweet?text={t}&url={u}"),
    ]


def offline_path(key: str) -> str:
    """Where a site object goes in a folder read from disk: an extension-less page gets ``.html``.

    Examples
    --------
    >>> offline_path("site/subscribe"), offline_path("site/2026-11-28/index.html"), offline_path("site/feed.atom")
    ('subscribe.html', '2026-11-28/index.html', 'feed.atom')
    """
    if not key.startswith("site/"):
        raise ValueError(f"{key} is not part of the public site")
    path = key[len("site/") :]
    return path if "." in path.rsplit("/", 1)[-1] else path + ".html"


def relink(html: str, path: str, site_url: str, pages: set[str]) -> str:
    """``html`` (the page at ``path`` in the offline folder) with its links into the site made
    relative, so they open from disk; ``pages`` are the offline paths that exist. Links to the
    site root go to its ``index.html``; other links (the API, mail, other sites) stay as they are.

    Examples
    --------
    >>> page = '<a href="https://x/d/subscribe">s</a> <a href="https://x/d/">home</a> <a href="https://x/d/2026-11-28/index.html#s1">e</a>'
    >>> relink(page, "2026-11-28/index.html", "https://x/d", {"subscribe.html", "index.html", "2026-11-28/index.html"})
    '<a href="../subscribe.html">s</a> <a href="../index.html">home</a> <a href="index.html#s1">e</a>'
    """
    base = site_url.rstrip("/")
    here = path.rsplit("/", 1)[0] if "/" in path else "."

    def local(match: re.Match[str]) -> str:
        target, fragment = match.group(2) or "", match.group(3) or ""
        name = target.lstrip("/") or "index.html"
        for candidate in (name, name + ".html", name.rstrip("/") + "/index.html"):
            if candidate in pages:
                return f'{match.group(1)}{relpath(candidate, here)}{fragment}"'
        return match.group(0)

    pattern = re.compile(r'((?:href|src|action)=")' + re.escape(base) + r'(/[^"#?]*)?(#[^"]*)?"')
    return pattern.sub(local, html)


_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def security_headers(html: str, links: SiteLinks) -> dict[str, str]:
    """Headers for a page: a Content-Security-Policy that allows its own inline scripts (by hash),
    its inline styles and forms posting to the public API, and nothing from anywhere else.

    Examples
    --------
    >>> csp = security_headers("<script>go()</script>", SiteLinks("https://s", "https://a"))["Content-Security-Policy"]
    >>> "script-src 'sha256-" in csp, "form-action 'self' https://a" in csp
    (True, True)
    """
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode("ascii") + "'"
        for s in _SCRIPT.findall(html)
    )
    policy = (
        f"default-src 'none'; script-src {hashes or NONE}; style-src 'unsafe-inline'; "
        f"img-src https: data:; form-action 'self' {links.api_url}; base-uri 'none'; frame-ancestors 'none'"
    )
    return {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff"}
