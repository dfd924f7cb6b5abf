"""``GET /editions/{day}/reads`` through the local HTTP bridge (SigV4-signed, as the CLI calls it)
and ``digest reads``: opens and clicks per edition and story, and whether the stack tracks them.
The counts come through the feedback handler from SNS-wrapped SES records (moto's SES publishes
no Open or Click events)."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import pytest

from digest_tools.cli import reads as reads_cli
from digest_tools.cli.client import call
from tests.integration.handlers import event, invoke
from tests.integration.local_server import demo_server, editor_target


@pytest.fixture
def server(stack, tmp_path, monkeypatch):
    with demo_server(stack, tmp_path, monkeypatch) as running:
        yield running


def _click(day: str, story: str) -> dict:
    payload = event("feedback", "click.json")
    record = json.loads(payload["Records"][0]["Sns"]["Message"])
    record["mail"]["tags"]["edition"] = [day]
    record["click"]["linkTags"] = {"story": [story]}
    payload["Records"][0]["Sns"]["Message"] = json.dumps(record)
    return payload


def test_reads_answer_counts_per_edition_and_story_in_the_edition_s_order(server, monkeypatch, capsys):
    app, target = server.app, editor_target(server)
    day = app.today().isoformat()
    before = call(target, "GET", "/editions/today/reads")
    assert (before["tracking"], before["opens"], before["clicks"]) == (False, 0, 0)
    shown = [s["id"] for s in app.editor.stories(day)["stories"] if s["position"] is not None]
    assert [s["id"] for s in before["stories"]] == shown and all(s["clicks"] == 0 for s in before["stories"])

    app.settings = replace(app.settings, read_tracking=True)
    invoke("feedback", _click(day, shown[1]))
    invoke("feedback", _click(day, shown[1]))
    invoke("feedback", _click(day, "ap-0000000000000000dead"))  # a story the edition no longer shows
    reply = call(target, "GET", f"/editions/{day}/reads")
    assert (reply["tracking"], reply["opens"], reply["clicks"], reply["edition_date"]) == (True, 0, 3, day)
    assert [s["clicks"] for s in reply["stories"]][:2] == [0, 2]
    assert reply["stories"][-1] == {"id": "ap-0000000000000000dead", "headline": "", "clicks": 1}
    assert set(reply["stories"][1]) == {"id", "headline", "clicks"}  # nothing about any reader

    monkeypatch.setattr(reads_cli, "resolve", lambda stack, region: target)
    args = SimpleNamespace(stack=None, region=None, date="today", json=False)
    capsys.readouterr()  # the handlers' own log lines
    assert reads_cli.run(args) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{day}: 0 opens, 3 clicks") and shown[1] in out and "tracking is off" not in out


def test_a_malformed_date_is_refused(server):
    from digest_tools.cli.client import ApiError

    with pytest.raises(ApiError) as refused:
        call(editor_target(server), "GET", "/editions/12-01-2026/reads")
    assert refused.value.status in (400, 404)
