"""The desk's readers panel in a real browser, against ``digest serve`` on the moto server.

The seeded editor sees the cost of the edition (priced for the real active subscribers) and the
counts by status and plan, without the admin tools. An admin (a desk account in the admins group)
searches by keyboard, exports the CSV (a download), imports pasted addresses (the confirmation
emails go out, nobody is made active) and removes a reader after the panel's own dialog. axe-core
checks each screen (zero violations) in light and dark; screenshots go to
``.pytest_cache/d/desk-readers/``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from digest.core.subscriber import ACTIVE
from digest_tools.local.serve import DESK_ADMIN, DESK_EDITOR
from tests.e2e.conftest import shots_folder
from tests.e2e.test_desk import Screens, desk_page, said
from tests.integration.local_server import messages_to


def sign_in(page, user: str, password: str) -> None:
    page.fill("#email", user)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    said(page, "Signed in.")
    loaded(page)


def loaded(page) -> None:
    page.wait_for_function("() => document.getElementById('cost-summary').textContent.includes('costs about')")
    page.wait_for_function("() => document.getElementById('counts-summary').textContent.includes('active')")


def asked(page, *texts: str) -> None:
    dialog = page.locator("dialog#readers-confirm")
    dialog.wait_for(state="visible")
    words = dialog.inner_text()
    for text in texts:
        assert text in words, words
    assert page.evaluate("() => document.activeElement.id") == "readers-confirm-cancel"  # Cancel is the default


def confirm(page) -> None:
    page.locator("#readers-confirm-ok").click()
    page.locator("dialog#readers-confirm").wait_for(state="hidden")


def found(page) -> list[str]:
    return page.locator("#find-results tr td:first-child").all_inner_texts()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_readers_panel_for_an_editor_and_an_admin(browser, server, scheme, request, tmp_path_factory):
    folder = shots_folder(request, tmp_path_factory, "desk-readers", scheme)
    app = server.app
    readers = sum(1 for _ in app.subscribers.with_status(ACTIVE))
    context, page, errors = desk_page(browser, scheme, accept_downloads=True)
    screens = Screens(page, folder)
    try:
        page.goto(server.desk_url)
        sign_in(page, DESK_EDITOR, server.desk_password)
        cost = page.inner_text("#cost-summary")
        assert f"send to {readers} active subscribers of the stack" in cost
        assert page.locator("#cost-items tr").count() >= 5
        assert page.inner_text("#counts-summary").startswith(f"{readers} active subscribers")
        assert page.locator("#status-counts tr").all_inner_texts() == [f"active\t{readers}"]
        assert page.locator("#subscriber-admin").is_hidden()  # an editor: no list tools
        page.locator("#readers").scroll_into_view_if_needed()
        screens.check("editor-readers")
        page.click("#sign-out")

        sign_in(page, DESK_ADMIN, server.admin_password)  # the admin `digest serve` seeds
        page.locator("#subscriber-admin").wait_for(state="visible")  # the counts say: an admin
        # Search by keyboard: type, Enter; every match has its own Remove button.
        page.focus("#find-query")
        page.keyboard.type("EXAMPLE")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('find-summary').textContent.includes('match')")
        assert len(found(page)) == readers
        screens.check("admin-search")

        with page.expect_download() as download:
            page.click("#export-csv")
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
        assert rows[0][:3] == ["email", "status", "plan"] and len(rows) == 1 + readers
        assert download.value.suggested_filename.startswith("subscribers-")
        said(page, f"Exported {readers} subscribers")

        page.fill("#import-text", "email\nfresh.one@example.org\nfresh.two@example.org\nnot an address\n")
        page.click("button:has-text('Import and send confirmations')")
        asked(page, "Import 4 lines?", "confirmation email")
        screens.check("admin-import-confirm")
        confirm(page)
        said(page, "Imported: 2 invited.")
        outcome = page.inner_text("#import-outcome")
        assert "Invited 2" in outcome and "Not an address: 1" in outcome and "Row 4" in outcome
        for address in ("fresh.one@example.org", "fresh.two@example.org"):
            assert len(messages_to(server.stack, address)) == 1
        assert sum(1 for _ in app.subscribers.with_status(ACTIVE)) == readers  # nobody made active
        page.wait_for_function("() => document.getElementById('status-counts').textContent.includes('pending')")
        screens.check("admin-imported")

        page.fill("#find-query", "fresh.one")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('find-summary').textContent.includes('1 subscriber')")
        assert found(page) == ["fresh.one@example.org"]
        page.click("button[aria-label='Remove fresh.one@example.org']")
        asked(page, "Remove fresh.one@example.org?", "deletes their address")
        page.keyboard.press("Escape")  # Escape cancels: nothing removed
        said(page, "Cancelled: fresh.one@example.org was not removed.")
        assert (
            page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Remove fresh.one@example.org"
        )
        page.keyboard.press("Enter")
        asked(page, "Remove fresh.one@example.org?")
        confirm(page)
        said(page, "Removed fresh.one@example.org.")
        page.wait_for_function("() => document.getElementById('find-summary').textContent.startsWith('No subscribers')")
        assert not any(s.email == "fresh.one@example.org" for s in app.subscribers.every())
        screens.check("admin-removed")
        assert "subscribers remove" in page.inner_text("#audit")
        assert errors == [] or all("403" in e or "409" in e for e in errors), errors
    finally:
        context.close()
