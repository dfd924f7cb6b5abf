"""An editor's morning at the desk in a real browser, against ``digest serve`` on the moto server.

Sign in as the seeded editor (moto's Cognito user pool) → the edition with its stories and their
sources → edit a headline → preview at desktop and phone width → a test copy ("[TEST]") → approve
→ send, watching the counts reach every subscriber → a correction with the editor's note, seen on
the web copy. Playwright drives the system Chromium; axe-core checks each screen (zero
violations) in light and dark; a screenshot of each is written to ``.pytest_cache/d/desk/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.adapters.browser import find_chromium
from digest.core.subscriber import ACTIVE
from digest_tools.local.serve import DESK_EDITOR
from tests.integration.local_server import demo_server, messages_to

pytestmark = pytest.mark.skipif(
    find_chromium() is None, reason="Chromium is not installed: scripts/system-deps.sh installs it (as root)"
)


@pytest.fixture
def server(stack, tmp_path, monkeypatch):
    with demo_server(stack, tmp_path, monkeypatch) as running:
        yield running


class Screens:
    """Checks each screen with axe and writes its screenshot."""

    def __init__(self, page, folder: Path) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.page, self.folder, self.axe, self.count = page, folder, Axe(), 0

    def check(self, name: str) -> None:
        results = self.axe.run(self.page)
        assert results.violations_count == 0, f"{name}: {results.generate_report()}"
        self.count += 1
        self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


def said(page, text: str, timeout: float = 60_000) -> None:
    page.wait_for_function("t => document.getElementById('message').textContent.includes(t)", arg=text, timeout=timeout)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_editors_morning_at_the_desk(browser, server, scheme, request, tmp_path_factory):
    cache = getattr(request.config, "cache", None)
    folder = Path(cache.mkdir("desk")) / scheme if cache is not None else tmp_path_factory.mktemp("desk")
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    app = server.app
    day = app.today().isoformat()
    readers = sum(1 for _ in app.subscribers.with_status(ACTIVE))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept(DESK_EDITOR) if dialog.type == "prompt" else dialog.accept())
    screens = Screens(page, folder)
    try:
        page.goto(server.desk_url)
        screens.check("sign-in")
        page.fill("#email", DESK_EDITOR)
        page.fill("#password", "not the password")
        page.click("button:has-text('Sign in')")
        said(page, "Could not sign in")
        page.fill("#password", server.desk_password)
        page.click("button:has-text('Sign in')")
        said(page, "Signed in.")
        assert page.inner_text("#edition-title") == f"Edition of {day}"
        lead = page.locator("#stories > li").first
        lead_id = lead.locator(".story-id").inner_text()
        assert lead_id and page.locator("#stories > li").count() == 8
        lead.locator(".sources summary").click()
        assert lead.locator(".sources li").count() >= 1  # every sentence traced to its report
        screens.check("edition")

        lead.locator("[data-edit]").click()
        lead.locator("input[name=headline]").fill("Government falls in Lisbon")
        lead.locator("button:has-text('Save and rebuild')").click()
        said(page, "Saved: a new version was built.")
        assert page.locator("#stories > li").first.locator(".story-head").inner_text() == "Government falls in Lisbon"
        assert app.editions.latest(day).version == 2

        page.click("[data-act=preview]")
        said(page, "Preview shown.")
        frame = page.frame_locator("#preview-frame")
        frame.get_by_role("heading", name="Government falls in Lisbon").wait_for(timeout=30_000)  # it loads after
        screens.check("preview-desktop")
        page.click("#show-phone")
        assert page.locator("#preview-frame").evaluate("f => f.getBoundingClientRect().width") == 390
        screens.check("preview-phone")

        page.click("[data-act=test-send]")
        said(page, f"Test copy sent to {DESK_EDITOR}.")
        (test_copy,) = messages_to(server.stack, DESK_EDITOR)
        assert test_copy["Subject"].startswith("[TEST]")

        page.click("[data-act=approve]")
        said(page, "Approved.")
        page.click("[data-act=send]")
        said(page, "Sending")
        page.wait_for_function(
            "n => Number(document.querySelector('#counts td:nth-child(2)').textContent) === n",
            arg=readers,
            timeout=60_000,
        )
        screens.check("sent")

        lead = page.locator("#stories > li").first
        lead.locator("[data-edit]").click()
        note = lead.locator("textarea[name=note]")
        assert note.input_value().startswith("An earlier version of this story misstated")
        note.fill("An earlier version of this story misstated the vote.")
        lead.locator("textarea[name=summary]").fill("Parliament voted 121 to 104 to bring the government down.")
        lead.locator("button:has-text('Save and rebuild')").click()
        said(page, "Corrected: the web copy shows your note.")
        web = app.blobs.get(f"site/{day}/index.html").decode()
        assert "An earlier version of this story misstated the vote." in web and "121 to 104" in web
        audit = page.inner_text("#audit")
        assert f"{DESK_EDITOR} (desk)" in audit and "send" in audit
        screens.check("corrected")
    finally:
        context.close()
    # No script error; the one failed request is the wrong password, answered on the page.
    assert errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"], errors
    assert len(server.stack.sent_emails()) == readers + 1  # every reader once, plus the test copy
    print(f"\nscreenshots ({scheme}): {folder}")
    assert len(list(folder.glob("*.png"))) == screens.count == 6
