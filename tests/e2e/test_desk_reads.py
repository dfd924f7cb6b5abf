"""The desk's reads panel in a real browser, against ``digest serve`` on the moto server: a few
SES Open and Click records (shaped as events/feedback/open.json and click.json) go through the
feedback function first, as SNS would deliver them (moto's SES publishes no Open or Click events);
then the signed-in editor sees the edition's opens and each story's clicks, and, on a stack without
read tracking, says so. axe-core checks both screens (zero violations), light and dark; screenshots
go to ``.pytest_cache/d/desk-reads/``.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from digest_tools.local.serve import DESK_EDITOR
from tests.e2e.conftest import shots_folder
from tests.e2e.test_desk import Screens, desk_page, said
from tests.integration.handlers import event, invoke


def _record(name: str, day: str, story: str | None = None) -> dict:
    """The SNS-wrapped sample, for ``day``'s edition (and a click on ``story``'s link)."""
    payload = event("feedback", name)
    record = json.loads(payload["Records"][0]["Sns"]["Message"])
    record["mail"]["tags"]["edition"] = [day]
    if story is not None:
        record["click"]["linkTags"] = {"story": [story]}
    payload["Records"][0]["Sns"]["Message"] = json.dumps(record)
    return payload


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_editor_sees_which_stories_are_read(browser, server, scheme, request, tmp_path_factory):
    folder = shots_folder(request, tmp_path_factory, "desk-reads", scheme)
    app = server.app
    app.settings = replace(app.settings, read_tracking=True)  # the stack deployed with ReadTracking=On
    day = app.today().isoformat()
    ids = [s["id"] for s in app.editor.stories(day)["stories"] if s["position"] is not None]
    for payload in [_record("open.json", day)] * 3 + [_record("click.json", day, ids[0])] * 2:
        invoke("feedback", payload)
    invoke("feedback", _record("click.json", day, ids[1]))

    context, page, errors = desk_page(browser, scheme)
    screens = Screens(page, folder)
    try:
        page.goto(server.desk_url)
        page.fill("#email", DESK_EDITOR)
        page.fill("#password", server.desk_password)
        page.click("button:has-text('Sign in')")
        said(page, "Signed in.")
        page.locator("#reads-table").wait_for(state="visible")
        assert "3 opens, 3 clicks" in page.inner_text("#reads-counts")
        assert page.locator("#reads-off").is_hidden()
        rows = page.locator("#reads-stories tr")
        assert rows.count() == len(ids)
        clicks = {
            rows.nth(i).locator("code").inner_text(): rows.nth(i).locator("td").nth(2).inner_text()
            for i in range(rows.count())
        }
        assert clicks[ids[0]] == "2" and clicks[ids[1]] == "1" and clicks[ids[2]] == "0"
        page.locator("#reads").scroll_into_view_if_needed()
        screens.check("reads")

        app.settings = replace(app.settings, read_tracking=False)  # the same desk on a stack without tracking
        page.reload()
        said(page, "Signed in.")
        page.locator("#reads-off").wait_for(state="visible")
        assert "tracking is off for this stack" in page.inner_text("#reads-off")
        screens.check("reads-off")
        assert errors == []
    finally:
        context.close()
