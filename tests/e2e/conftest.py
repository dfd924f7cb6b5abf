"""The browser the end-to-end tests drive: the system Chromium through Playwright (``executable_path``:
browsers cannot be downloaded here), one per test module, closed with it (a Playwright left open
would refuse to start another in a later test); a test that needs it is skipped, saying how to
install it, where there is none. ``server``: ``digest serve --demo-data`` on the test's stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.adapters.browser import find_chromium


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if find_chromium() is None:
        pytest.skip("Chromium is not installed: scripts/system-deps.sh installs it (as root)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=find_chromium(), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def server(browser, stack, tmp_path, monkeypatch):
    from tests.integration.local_server import demo_server

    with demo_server(stack, tmp_path, monkeypatch) as running:
        yield running


def shots_folder(request, tmp_path_factory, suite: str, name: str) -> Path:
    """``.pytest_cache/d/<suite>/<name>``, emptied of older screenshots (a temporary folder when
    the cache is off): where a test writes the screenshots of its screens."""
    cache = getattr(request.config, "cache", None)
    base = Path(cache.mkdir(suite)) if cache is not None else tmp_path_factory.mktemp(suite)
    (base / name).mkdir(exist_ok=True)
    for old in (base / name).glob("*.png"):
        old.unlink()
    return base / name
