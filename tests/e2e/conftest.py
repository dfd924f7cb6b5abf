"""The browser the end-to-end tests drive: the system Chromium through Playwright (``executable_path``:
browsers cannot be downloaded here), one per test module, closed with it (a Playwright left open
would refuse to start another in a later test)."""

from __future__ import annotations

import pytest

from digest.adapters.browser import find_chromium


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=find_chromium(), headless=True)
        yield chromium
        chromium.close()
