"""The reader's pages published with the site, and the whole site as a folder to read offline.

``publish_pages`` writes the sign-up page (``/subscribe``), the student and faculty page
(``/students``) and the share pages (``/share`` for the newest edition, ``/<date>/share`` for
each) next to the web copies and the archive. ``site_files`` reads the published site back as
files whose links between pages work from disk (``digest demo --out DIR`` writes them to
``DIR/site``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import jinja2
from aws_lambda_powertools import Logger

from digest.core.edition import Brand, date_label
from digest.core.site import HTML, PUBLISHED_PAGES, SiteLinks, offline_path, relink, render_page, share_links
from digest.errors import StorageError
from digest.ports import BlobStore, SiteCache

logger = Logger(child=True)

MANIFEST = "site/archive.json"  # the archive's list of editions (services.publish writes it)
LISTINGS = ("site/index.html", "site/feed.atom", "site/podcast.xml", MANIFEST)
PER_EDITION = ("index.html", "edition.mp3", "share")


def publish_pages(
    *, blobs: BlobStore, env: jinja2.Environment, brand: Brand, site: SiteLinks, cdn: SiteCache | None = None
) -> list[str]:
    """Publish the sign-up pages and the share pages of every edition in the archive; returns the
    keys written. Run after each publish (the newest edition's share page follows it)."""
    written = []
    for key, template in PUBLISHED_PAGES.items():
        page = render_page(env, template, brand, site, state="form", problem="", email="", role="student")
        blobs.put(key, page.encode("utf-8"), HTML)
        written.append(key)
    editions = _editions(blobs)
    for number, (day, url) in enumerate(editions):
        share = _share_page(env, brand, site, day, url).encode("utf-8")
        blobs.put(f"site/{day}/share", share, HTML)
        written.append(f"site/{day}/share")
        if number == 0:
            blobs.put("site/share", share, HTML)
            written.append("site/share")
    logger.info("site pages published", extra={"pages": len(written)})
    if cdn is not None and written:
        try:
            cdn.invalidate(["/subscribe", "/students", "/share"], f"pages-{editions[0][0] if editions else 'none'}")
        except StorageError:
            logger.exception("site cache not invalidated")
    return written


def site_files(blobs: BlobStore, site_url: str) -> Iterator[tuple[str, bytes]]:
    """Every published object of the site as (relative path, bytes), pages relinked to open from
    disk: ``/subscribe`` becomes ``subscribe.html`` and a link to ``<site_url>/x`` a relative one."""
    keys = [*LISTINGS, *PUBLISHED_PAGES, "site/share"]
    keys += [f"site/{day}/{name}" for day, _ in _editions(blobs) for name in PER_EDITION]
    found = {key: data for key in keys if (data := blobs.get(key)) is not None}
    pages = {offline_path(key) for key in found}
    for key, data in found.items():
        path = offline_path(key)
        if path.endswith(".html"):
            data = relink(data.decode("utf-8"), path, site_url, pages).encode("utf-8")
        yield path, data


def _editions(blobs: BlobStore) -> list[tuple[str, str]]:
    """(date, web URL) of each edition in the archive manifest, newest first."""
    raw = blobs.get(MANIFEST)
    entries = json.loads(raw) if raw else []
    return sorted({(e["date"], e["web_url"]) for e in entries}, reverse=True)


def _share_page(env: jinja2.Environment, brand: Brand, links: SiteLinks, day: str, url: str) -> str:
    title = f"{brand.name}, {date_label(day)}"
    return render_page(env, "share", brand, links, edition_url=url, edition_title=title, share=share_links(url, title))
