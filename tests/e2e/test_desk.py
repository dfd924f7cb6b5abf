"""An editor's morning at the desk in a real browser, against ``digest serve`` on the moto server.

Sign in as the seeded editor (moto's Cognito user pool) → the edition with its stories and their
sources → edit a headline, seeing the word diff before it is saved → pin a story, drop one and
restore it → move one by keyboard (focus follows it) and one by drag and drop (after an approval:
the page says a new one is needed) → hold with a reason, release → preview at desktop and phone
width → a test copy ("[TEST]") → approve → send, confirming "to N subscribers", watching the counts
reach every subscriber → a correction with the editor's note, seen on the web copy. Every approval,
hold, release, send and story change is confirmed in the page's own dialog (a native dialog would
be dismissed and the journey would stop). Playwright drives the system Chromium; axe-core checks
each screen (zero violations) in light and dark; a screenshot of each is written to
``.pytest_cache/d/desk/``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from digest.core.subscriber import ACTIVE
from digest_tools.local.serve import DESK_EDITOR
from tests.e2e.conftest import shots_folder
from tests.integration.local_server import messages_to


def desk_page(browser, scheme: str, **options):
    """A new desktop-sized context and page in ``scheme``, and the console errors the page logs."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page, errors


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
    """Wait until the status region says ``text`` (a failure shows what it says instead)."""
    from playwright.sync_api import TimeoutError as Timeout

    try:
        page.wait_for_function(
            "t => document.getElementById('message').textContent.includes(t)", arg=text, timeout=timeout
        )
    except Timeout:
        raise AssertionError(f"the desk never said {text!r}; it says {page.inner_text('#message')!r}") from None


def asked(page, *texts: str) -> str:
    """The open confirmation dialog's words (each of ``texts`` among them); nothing is saved yet."""
    dialog = page.locator("dialog#confirm")
    dialog.wait_for(state="visible")
    words = dialog.inner_text()
    for text in texts:
        assert text in words, words
    return words


def confirm(page) -> None:
    page.locator("#confirm-ok").click()
    page.locator("dialog#confirm").wait_for(state="hidden")


def story(page, story_id: str):
    return page.locator(f"#stories > li[data-id='{story_id}'], #dropped > li[data-id='{story_id}']")


def order(page) -> list[str]:
    return page.locator("#stories > li").evaluate_all("items => items.map(li => li.dataset.id)")


def focused(page) -> list[str | None]:
    """The story holding the focus, and which control of it has it."""
    return page.evaluate(
        "() => { const e = document.activeElement, li = e && e.closest('li[data-id]');"
        " return [li ? li.dataset.id : null, e.getAttribute('data-move') || e.className]; }"
    )


def active_count(server, token: str) -> int | None:
    """The editor API's count of active subscribers as the desk reads it (None while it has none)."""
    request = urllib.request.Request(
        f"{server.bridge.url}/desk/subscribers/counts", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return int(json.loads(reply.read())["active"])
    except (urllib.error.URLError, KeyError, ValueError, TypeError):
        return None


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_editors_morning_at_the_desk(browser, server, scheme, request, tmp_path_factory):
    folder = shots_folder(request, tmp_path_factory, "desk", scheme)
    app = server.app
    day = app.today().isoformat()
    readers = sum(1 for _ in app.subscribers.with_status(ACTIVE))
    context, page, errors = desk_page(browser, scheme)
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

        # An edit shows its word diff, removed and added words marked for every reader, before a save.
        old_headline = lead.locator(".story-head").inner_text()
        lead.locator("[data-edit]").click()
        lead.locator("input[name=headline]").fill("Government falls in Lisbon")
        lead.locator("button:has-text('Review the changes')").click()
        asked(page, "Headline:", "Summary: unchanged", "Save and rebuild")
        added = " ".join(page.locator("#confirm-what ins").all_text_contents())  # as a screen reader says it
        assert added.startswith("[added: ") and "Lisbon]" in added
        removed = " ".join(page.locator("#confirm-what del").all_text_contents())
        assert removed.startswith("[removed: ") and any(w in removed for w in old_headline.split())
        assert app.editions.latest(day).version == 1  # shown, not saved
        screens.check("diff")
        confirm(page)
        said(page, "Saved: a new version was built.")
        assert story(page, lead_id).locator(".story-head").inner_text() == "Government falls in Lisbon"
        assert app.editions.latest(day).version == 2

        # Pin one story; drop another and restore it (the dropped story is listed after the edition's).
        third = order(page)[2]
        story(page, third).locator("[data-pin]").click()
        asked(page, "Pin “")
        page.keyboard.press("Escape")  # a change not confirmed is not made
        said(page, "Cancelled: nothing changed.")
        assert app.editions.latest(day).version == 2 and page.locator("dialog#confirm").is_hidden()
        story(page, third).locator("[data-pin]").click()
        asked(page, "Pin “", "ranked above the stories that are not pinned")
        confirm(page)
        said(page, "Pinned “")
        assert "(pinned)" in story(page, third).locator(".story-state").inner_text()
        assert story(page, third).locator("[data-pin]").inner_text().startswith("Unpin")
        last = order(page)[-1]
        story(page, last).locator("[data-drop]").click()
        asked(page, "Drop “", "can be restored")
        confirm(page)
        said(page, "Dropped “")
        assert last not in order(page) and page.locator("#dropped > li").count() == 1
        assert focused(page)[0] == last  # on its Restore button, to undo at once
        screens.check("dropped")
        story(page, last).locator("[data-restore]").click()
        asked(page, "Restore “")
        confirm(page)
        said(page, "Restored “")
        assert last in order(page) and page.locator("#dropped-stories").is_hidden()

        # Move one up with the keyboard alone: the confirmation too; the focus follows the story.
        fifth = order(page)[4]
        story(page, fifth).locator("[data-move='-1']").focus()
        page.keyboard.press("Enter")
        asked(page, "from 5 to 4.")
        page.keyboard.press("Enter")
        said(page, "from 5 to 4.")
        page.wait_for_function("id => document.activeElement.closest('li[data-id]')?.dataset.id === id", arg=fifth)
        assert order(page)[3] == fifth and focused(page) == [fifth, "-1"]

        # Approve, then drag a story up: a new order needs a new approval, and the page says so.
        page.click("[data-act=approve]")
        asked(page, "Approve version", "8 stories, in this order")
        confirm(page)
        said(page, "Approved:")
        before = order(page)
        top = page.locator("#stories > li").first
        top.evaluate("li => li.scrollIntoView({block: 'start'})")  # the story and its new place both in view
        story(page, before[2]).locator(".grip").drag_to(top, target_position={"x": 300, "y": 30})
        asked(page, "from 3 to 1.", "this change needs a new approval")
        confirm(page)
        said(page, "from 3 to 1. It needs a new approval")
        assert order(page) == [before[2], before[0], before[1], *before[3:]]  # the keyboard's move stays
        assert app.editions.latest(day).status == "draft"

        # Hold with a reason (none given: the dialog stays open), then release.
        page.click("[data-act=hold]")
        asked(page, "neither the schedule nor anyone can send it")
        page.locator("#confirm-ok").click()
        assert page.locator("dialog#confirm").is_visible()  # a reason is required
        page.locator("#confirm-input").fill("Waiting for the vote count")
        screens.check("dialog-hold")
        confirm(page)
        said(page, "Held: Waiting for the vote count")
        page.click("[data-act=release]")
        asked(page, "(held: Waiting for the vote count)")
        confirm(page)
        said(page, "Released:")

        page.click("[data-act=preview]")
        said(page, "Preview shown.")
        frame = page.frame_locator("#preview-frame")
        frame.get_by_role("heading", name="Government falls in Lisbon").wait_for(timeout=30_000)  # it loads after
        screens.check("preview-desktop")
        page.click("#show-phone")
        assert page.locator("#preview-frame").evaluate("f => f.getBoundingClientRect().width") == 390
        screens.check("preview-phone")

        page.click("[data-act=test-send]")
        asked(page, "[TEST]")
        assert page.locator("#confirm-input").input_value() == DESK_EDITOR  # the signed-in editor
        confirm(page)
        said(page, f"Test copy sent to {DESK_EDITOR}.")
        (test_copy,) = messages_to(server.stack, DESK_EDITOR)
        assert test_copy["Subject"].startswith("[TEST]")

        page.click("[data-act=approve]")
        confirm(page)
        said(page, "Approved:")
        counted = active_count(server, page.evaluate("sessionStorage.getItem('desk-token')"))
        page.click("[data-act=send]")
        version = app.editions.latest(day).version
        whom = f"{counted:,} subscribers" if counted is not None else "every active subscriber"
        asked(page, f"Send version {version} of the edition of {day} to {whom} now.")
        assert counted in (None, readers)
        assert page.evaluate("document.activeElement.id") == "confirm-cancel"  # Enter alone sends nothing
        screens.check("dialog-send")
        confirm(page)
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
        lead.locator("button:has-text('Review the changes')").click()
        asked(page, "this is a correction", "misstated the vote.", "121")
        confirm(page)
        said(page, "Corrected: the web copy shows your note.")
        web = app.blobs.get(f"site/{day}/index.html").decode()
        assert "An earlier version of this story misstated the vote." in web and "121 to 104" in web
        audit = page.inner_text("#audit")
        assert f"{DESK_EDITOR} (desk)" in audit and "send" in audit and "hold" in audit
        screens.check("corrected")
    finally:
        context.close()
    # No script error; the failed requests are the wrong password, answered on the page (and the
    # subscriber count while the editor API has none, said in words instead).
    wrong_password = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    assert errors[0] == wrong_password and (counted is None or errors == [wrong_password]), errors
    assert all(e.startswith("Failed to load resource") for e in errors), errors
    assert len(server.stack.sent_emails()) == readers + 1  # every reader once, plus the test copy
    print(f"\nscreenshots ({scheme}): {folder}")
    assert len(list(folder.glob("*.png"))) == screens.count == 10
