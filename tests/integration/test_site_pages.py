"""The reader's pages published with the site (on the local S3), and the site read from disk.

Two published editions, then the sign-up, student and share pages; ``site_files`` writes the
whole site to a folder where every link between its pages must open a file that exists. With
Chromium installed, a real browser follows the links from the archive to an edition, its share
page and the sign-up page, offline, and axe-core checks each page it opens.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from digest.adapters.browser import find_chromium
from digest.core.site import SiteLinks
from digest.services.site import publish_pages, site_files
from tests.integration.stories import stories_for

DAYS = (date(2026, 11, 27), date(2026, 11, 28))
HREF = re.compile(r'(?:href|src)="([^"]+)"')


@pytest.fixture
def site(app, tmp_path) -> Path:
    """Two editions published, then the pages; the site written to ``tmp_path/site``."""
    for day in DAYS:
        app.clock.set(app.clock.now().replace(year=day.year, month=day.month, day=day.day))
        stories_for(app, day, app.settings.edition_timezone)
        built = app.assemble(day)
        assert built.record is not None, built.reason
        app.publish(built.record)
    links = SiteLinks(app.settings.public_base_url, app.settings.api_base_url)
    written = publish_pages(blobs=app.blobs, env=app.env, brand=app.brand, site=links)
    assert set(written) == {"site/subscribe", "site/students", "site/desk", "site/share"} | {
        f"site/{d}/share" for d in DAYS
    }
    folder = tmp_path / "site"
    for path, data in site_files(app.blobs, app.settings.public_base_url):
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    return folder


def test_published_pages_link_to_each_other_from_disk(site, app):
    names = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert {"index.html", "subscribe.html", "students.html", "share.html", "feed.atom", "podcast.xml"} <= names
    assert {f"{d}/index.html" for d in DAYS} | {f"{d}/share.html" for d in DAYS} <= names
    followed = 0
    for page in site.rglob("*.html"):
        for target in HREF.findall(page.read_text("utf-8")):
            if target.startswith(app.settings.public_base_url):  # only what was never published stays online
                missing = target[len(app.settings.public_base_url) :].lstrip("/").split("#")[0]
                assert not (site / missing).exists(), f"{page.name} still links {target} online"
                continue
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target) and not target.startswith("#"):
                assert (page.parent / target.split("#")[0]).resolve().is_file(), f"{page.name}: {target}"
                followed += 1
    assert followed >= 20
    newest = (site / "share.html").read_text("utf-8")
    assert f"{DAYS[-1].isoformat()}/index.html" in newest and "mailto:?subject=" in newest
    signup = (site / "subscribe.html").read_text("utf-8")
    assert f'action="{app.settings.api_base_url}/subscribe"' in signup and 'name="website"' in signup


@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_a_browser_follows_the_site_offline(site, request, tmp_path):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    cache = getattr(request.config, "cache", None)  # off with -p no:cacheprovider
    shots = (Path(cache.mkdir("reader-journey")) if cache is not None else tmp_path) / "site"
    shots.mkdir(exist_ok=True)
    axe = Axe()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), headless=True)
        try:
            for scheme in ("light", "dark"):
                page = browser.new_page(viewport={"width": 390, "height": 844}, color_scheme=scheme)
                page.goto((site / "index.html").as_uri())
                steps = [
                    ("archive", None),
                    ("edition", f"a[href='{DAYS[-1].isoformat()}/index.html']"),
                    ("share", "text=Share this edition"),
                    ("signup", "text=Start your free two-week trial"),
                    ("students", "text=sign up with your school address"),
                ]
                for name, click in steps:
                    if click:
                        page.click(click)
                    assert page.url.startswith("file://"), page.url
                    results = axe.run(page)
                    assert results.violations_count == 0, f"{name}: {results.generate_report()}"
                    page.screenshot(path=str(shots / f"{name}-{scheme}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
    print(f"\nscreenshots (site, offline): {shots}")
    assert timedelta(days=1) == DAYS[1] - DAYS[0]
