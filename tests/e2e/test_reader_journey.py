"""A reader's whole journey in a real browser, against ``digest serve``'s public API on the moto server.

Sign-up page → "check your inbox" → the confirmation link's page (a GET changes nothing) → its
button confirms → the welcome email (read from the local SES) → preferences → unsubscribe with a
reason → the preferences page shows that state and offers to subscribe again. Playwright drives
the system Chromium (``executable_path``: browsers cannot be downloaded here) at desktop and phone
widths, light and dark; axe-core checks every page and the welcome email (zero violations), and a
screenshot of each is written to ``.pytest_cache/d/reader-journey/<variant>/`` (printed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.core.subscriber import ACTIVE, PENDING, UNSUBSCRIBED
from digest_tools.local.serve import LocalServer
from tests.e2e.conftest import shots_folder
from tests.integration.local_server import link, messages_to, text_of
from tests.integration.test_public_flow import http

VARIANTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}, "color_scheme": "light"},
    "phone": {"viewport": {"width": 390, "height": 844}, "color_scheme": "light", "is_mobile": True, "has_touch": True},
    "desktop-dark": {"viewport": {"width": 1280, "height": 900}, "color_scheme": "dark"},
    "phone-dark": {"viewport": {"width": 390, "height": 844}, "color_scheme": "dark", "is_mobile": True},
}
BROWSER_ZONE = "Europe/Paris"  # the zone the browser reports; the preferences page preselects it


@pytest.fixture
def server(stack, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", stack.endpoint)
    with LocalServer(state_file=tmp_path / "local.json", stack=stack) as running:
        yield running


class Journey:
    """One browser context: checks each page with axe and screenshots it."""

    def __init__(self, page, folder: Path) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.page, self.folder, self.axe, self.shots = page, folder, Axe(), 0

    def check(self, name: str, heading: str) -> None:
        assert self.page.locator("h1").first.inner_text().strip() == heading
        results = self.axe.run(self.page)
        assert results.violations_count == 0, f"{name}: {results.generate_report()}"
        self.shots += 1
        self.page.screenshot(path=str(self.folder / f"{self.shots:02d}-{name}.png"), full_page=True)


def _welcome_html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_reader_journey_in_a_real_browser(browser, server, variant, request, tmp_path_factory):
    folder = shots_folder(request, tmp_path_factory, "reader-journey", variant)
    for old in folder.glob("*.png"):
        old.unlink()
    api, store = server.bridge.url, server.app.subscribers
    address = f"reader.{variant}@example.com"
    sid = server.app.subscriber_ids.of(address)
    context = browser.new_context(**VARIANTS[variant], timezone_id=BROWSER_ZONE, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    journey = Journey(page, folder)
    try:
        page.goto(f"{api}/subscribe")
        journey.check("signup", "Start your free two-week trial")
        page.fill("#email", "not an address")
        page.evaluate("document.querySelector('form').noValidate = true")  # let the server answer
        page.click("button[type=submit]")
        journey.check("signup-error", "Start your free two-week trial")
        assert "Please check the form" in page.inner_text("[role=alert]")
        page.fill("#email", address)
        page.click("button[type=submit]")
        journey.check("signup-sent", "Check your inbox")

        (confirmation,) = messages_to(server.stack, address)
        page.goto(link(confirmation, "/confirm/"))
        journey.check("confirm", "Confirm your subscription")
        assert store.get(sid).status == PENDING  # showing the page confirmed nothing
        page.click("text=Confirm my subscription")
        journey.check("confirmed", "You are subscribed")
        assert store.get(sid).status == ACTIVE

        (welcome,) = messages_to(server.stack, address)[1:]
        assert welcome["Subject"] == "Welcome to Morning Digest"
        page.set_content(_welcome_html(welcome))
        journey.check("welcome-email", "Welcome to Morning Digest")

        page.goto(link(welcome, "/preferences/"))
        journey.check("preferences", "Your preferences")
        assert page.input_value("#timezone") == BROWSER_ZONE  # the script preselected the browser's zone
        assert BROWSER_ZONE in page.inner_text("#zone-note")
        assert "the newsroom's" in page.inner_text(".lead")  # no zone chosen yet
        page.select_option("#send_hour", "7")
        page.uncheck("#audio")
        page.check("#plain_text")
        page.check("#pause-until")
        back_on = page.get_attribute("#pause_until", "min")  # the first day a pause may end on
        page.fill("#pause_until", back_on)
        page.click("text=Save my preferences")
        journey.check("preferences-saved", "Your preferences")
        assert "Saved." in page.inner_text("[role=status]")
        saved = store.get(sid)
        assert (saved.timezone, saved.send_hour, saved.audio, saved.plain_text) == (BROWSER_ZONE, 7, False, True)
        assert (saved.paused, saved.paused_until, saved.status) == (True, back_on, ACTIVE)
        # The page shows what was saved, and shows it again on the next visit: the chosen zone is
        # no longer replaced by the browser's.
        for _ in range(2):
            assert page.input_value("#timezone") == BROWSER_ZONE and page.input_value("#send_hour") == "7"
            assert not page.is_checked("#audio") and page.is_checked("#plain_text") and page.is_checked("#pause-until")
            assert page.input_value("#pause_until") == back_on and f"paused until {back_on}" in page.inner_text(".lead")
            assert "device" not in page.inner_text("#zone-note")
            page.goto(link(welcome, "/preferences/"))

        page.click("text=Unsubscribe")
        journey.check("unsubscribe", "Unsubscribe from Morning Digest?")
        assert store.get(sid).status == ACTIVE  # the page alone changes nothing
        page.fill("#reason", "Too much news before coffee")
        page.click("button:has-text('Unsubscribe')")
        journey.check("unsubscribed", "You are unsubscribed")
        gone = store.get(sid)
        assert gone.status == UNSUBSCRIBED and gone.reason == "reader: Too much news before coffee"

        page.click("text=Subscribe again")
        journey.check("preferences-unsubscribed", "Your subscription")
        assert page.locator("#timezone").count() == 0  # their state, not a form that pretends
        page.click("text=Subscribe again")
        journey.check("resubscribe-sent", "Check your inbox")
        assert store.get(sid).status == PENDING and len(messages_to(server.stack, address)) == 3

        page.goto(f"{api}/students")
        journey.check("students", "Free for students and faculty")
    finally:
        context.close()
    # No script or CSP error on any page; the one 400 is the refused address, answered on its page.
    assert [e for e in errors if "status of 400" not in e] == [], errors
    assert len(errors) == 1
    print(f"\nscreenshots ({variant}): {folder}")
    assert len(list(folder.glob("*.png"))) == journey.shots == 13


def test_welcome_email_parts_agree(server):
    """The welcome's text part carries the same links and facts as its HTML part."""
    api = server.bridge.url
    assert http("POST", f"{api}/subscribe", {"email": "both.parts@example.com"})[0] == 202
    (confirmation,) = messages_to(server.stack, "both.parts@example.com")
    assert http("POST", link(confirmation, "/confirm/"), {})[0] == 200
    welcome = messages_to(server.stack, "both.parts@example.com")[1]
    text, html = text_of(welcome), _welcome_html(welcome)
    for url in (link(welcome, "/preferences/"), link(welcome, "/unsubscribe/")):
        assert url in html.replace("&amp;", "&")
    assert "Listen to Today's Edition" in text and "podcast.xml" in html
