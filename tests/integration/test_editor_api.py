"""Every editor action through the local HTTP bridge with a real HTTP client, signed and unsigned.

Long actions answer 202 with an action and run on the local stand-in of Lambda's asynchronous
invoke (the same editor handler on a background thread); ``act`` waits for them like the CLI."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import date, timedelta

import pytest

from digest_tools.cli.client import ApiError, call, request, wait_for_action
from tests.integration.local_server import demo_server, editor_target, wait_for


@pytest.fixture
def server(stack, tmp_path, monkeypatch):
    with demo_server(stack, tmp_path, monkeypatch) as running:
        yield running


def act(target, path: str, body: dict) -> dict:
    """POST a long action: it must be accepted at once (202), then end with its result."""
    status, started = request(target, "POST", path, body)
    assert status == 202 and started["state"] == "queued", started
    return wait_for_action(target, started, lambda view: None)


def unsigned(server, method: str, path: str) -> int:
    request = urllib.request.Request(server.bridge.url + path, data=b"{}" if method == "POST" else None, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


ACTIONS = [
    ("GET", ""),
    ("GET", "/preview"),
    ("GET", "/audit"),
    ("POST", "/rebuild"),
    ("POST", "/approve"),
    ("POST", "/hold"),
    ("POST", "/release"),
    ("POST", "/send"),
    ("POST", "/test-send"),
    ("POST", "/resend-failures"),
    ("POST", "/stories/any"),
]


def test_unauthenticated_and_forged_requests_get_403_and_change_nothing(server):
    day = server.app.today().isoformat()
    before = server.app.editions.latest(day)
    for method, path in ACTIONS:
        assert unsigned(server, method, f"/editions/{day}{path}") == 403, path
    with pytest.raises(ApiError, match="403"):
        call(editor_target(server, secret="not-the-secret"), "POST", f"/editions/{day}/approve", {})
    assert server.app.editions.latest(day) == before
    assert server.app.audit.for_edition(day) == []
    assert server.stack.sent_emails() == []


def test_every_editor_action_is_done_refused_when_illegal_and_audited(server):
    app, target = server.app, editor_target(server)
    day = app.today().isoformat()
    base = f"/editions/{day}"
    status = call(target, "GET", base)
    assert status["status"] == "draft" and status["version"] == 1
    assert "<html" in call(target, "GET", f"{base}/preview")
    lead = json.loads(app.blobs.get(f"editions/{day}/v0001/edition.json"))["lead"]["cluster_id"]

    edited = act(target, f"{base}/stories/{lead}", {"headline": "Government falls in Lisbon"})
    assert edited["created"] and edited["version"] == 2
    assert any("headline" in line for line in edited["diff"])
    assert act(target, f"{base}/rebuild", {})["created"] is False  # nothing changed: same version

    assert act(target, f"{base}/test-send", {"to": ["editor@news.example.org"]}) == {"sent": 1}
    assert app.ledger.get(day, "sub-editor") is None and list(app.ledger.for_edition(day)) == []

    call(target, "POST", f"{base}/hold", {"reason": "legal review"})
    with pytest.raises(ApiError, match="cannot approve a held edition"):
        call(target, "POST", f"{base}/approve", {})
    call(target, "POST", f"{base}/release", {})
    call(target, "POST", f"{base}/approve", {})
    sent = act(target, f"{base}/send", {})
    assert sent["recipients"] == 5
    with pytest.raises(
        ApiError, match=f"^409: cannot send twice: the edition of {day} is (sending|sent);.*digest story edit"
    ):
        act(target, f"{base}/send", {})
    wait_for(lambda: call(target, "GET", base)["delivery"]["sent"] == 5)

    with pytest.raises(ApiError, match="^400: the edition was sent: .*An earlier version of this story misstated"):
        act(target, f"{base}/stories/{lead}", {"headline": "Too late", "correction": True})
    note = "An earlier version of this story misstated the vote."
    corrected = act(target, f"{base}/stories/{lead}", {"summary": "Parliament voted 121 to 104.", "note": note})
    assert corrected["created"] and corrected["status"] == "sent"
    web = app.blobs.get(f"site/{day}/index.html").decode()
    assert f"Corrected {date.fromisoformat(day):%B} " in web and f": {note}" in web and "[-" not in web
    assert act(target, f"{base}/resend-failures", {}) == {"recipients": 0, "unknown": 0}
    assert len(server.stack.sent_emails()) == 6  # 5 subscribers + 1 test copy; the correction emailed nobody

    actions = [(e["action"], e["outcome"]) for e in call(target, "GET", f"{base}/audit")["entries"]]
    started_and_ended = {"story edit", "rebuild", "test-send", "send", "resend-failures"}
    assert actions == [
        ("story edit", "started"),
        ("story edit", "ok"),
        ("rebuild", "ok"),
        ("story edit", "done"),
        ("rebuild", "started"),
        ("rebuild", "ok"),
        ("rebuild", "done"),
        ("test-send", "started"),
        ("test-send", "ok"),
        ("test-send", "done"),
        ("hold", "ok"),
        ("approve", "refused"),
        ("release", "ok"),
        ("approve", "ok"),
        ("send", "started"),
        ("send", "ok"),
        ("send", "done"),
        ("send", "refused"),
        ("story edit", "refused"),
        ("story edit", "started"),
        ("story edit", "ok"),
        ("rebuild", "ok"),
        ("story edit", "done"),
        ("resend-failures", "started"),
        ("resend-failures", "ok"),
        ("resend-failures", "done"),
    ]
    assert {a for a, outcome in actions if outcome == "started"} == started_and_ended
    assert all(e["actor"].endswith("user/local-editor") for e in call(target, "GET", f"{base}/audit")["entries"])


def test_a_long_action_outlasting_the_gateway_timeout_is_accepted_then_done_never_a_503(server):
    app, target = server.app, editor_target(server)
    day = app.today().isoformat()
    call(target, "GET", f"/editions/{day}")  # a warm handler, as a deployed one mostly is
    server.bridge.timeout_s = 3.0  # API Gateway's 30 s, scaled down
    slow_build = app.editor._rebuild

    def slow(d, note):
        time.sleep(4.0)
        return slow_build(d, note)

    app.editor._rebuild = slow
    status, started = request(target, "POST", f"/editions/{day}/rebuild", {"note": None})
    assert status == 202
    states = []
    result = wait_for_action(target, started, lambda view: states.append(view["state"]))
    assert result["version"] == 1 and states[0] == "queued" and states[-1] == "done" and "running" in states
    # The same 4 s inside a request is cut like HTTP APIs cut it: this is what the 202 avoids.
    app.editor.status = lambda d: time.sleep(4.0) or {}
    with pytest.raises(ApiError, match="503"):
        call(target, "GET", f"/editions/{day}")


def test_today_is_the_newsrooms_date_and_other_dates_are_refused_clearly(server):
    app, target = server.app, editor_target(server)
    today = app.today()
    assert call(target, "GET", "/editions/today")["edition_date"] == today.isoformat()
    assert call(target, "POST", "/editions/today/hold", {"reason": "check"})["edition_date"] == today.isoformat()
    status, started = request(target, "POST", "/editions/today/rebuild", {})
    assert status == 202 and started["edition_date"] == today.isoformat()
    assert started["status_url"].startswith(f"/editions/{today.isoformat()}/actions/")
    wait_for_action(target, started, lambda view: None)

    tomorrow = (today + timedelta(days=1)).isoformat()
    for method, path in [("GET", ""), ("POST", "/rebuild"), ("POST", "/approve"), ("POST", "/send")]:
        with pytest.raises(
            ApiError, match=f"^409: {tomorrow} is in the future: the newsroom's current edition is {today.isoformat()}"
        ):
            call(target, method, f"/editions/{tomorrow}{path}", {} if method == "POST" else None)
    with pytest.raises(ApiError, match=r"^400: not an edition date: '12-01-2026' \(expected YYYY-MM-DD"):
        call(target, "POST", "/editions/12-01-2026/rebuild", {})
    with pytest.raises(ApiError, match="^404: there is no action"):
        call(target, "GET", f"/editions/{today.isoformat()}/actions/a{'0' * 20}")
    outcomes = {(e.action, e.outcome) for e in app.audit.for_edition(tomorrow)}
    assert outcomes == set()  # refused before anything was started or recorded


def test_stories_have_ids_an_unknown_one_is_refused_with_the_closest_and_a_title_is_set(server):
    app, target = server.app, editor_target(server)
    day = app.today().isoformat()
    base = f"/editions/{day}"
    listed = call(target, "GET", f"{base}/stories")
    assert listed["version"] == 1 and len(listed["stories"]) == app.editions.latest(day).story_count
    lead = listed["stories"][0]
    assert lead["position"] == 1 and lead["headline"] and lead["agencies"] and lead["state"] == "in edition"
    assert call(target, "GET", base)["stories"] == listed["stories"]  # status shows them, with sources and notes

    typo = lead["id"][:-1] + ("x" if lead["id"][-1] != "x" else "y")
    with pytest.raises(ApiError, match=f"^404: no story '{typo}'.*did you mean {lead['id']}") as refused:
        request(target, "POST", f"{base}/stories/{typo}", {"drop": True})
    assert lead["id"] in refused.value.payload["suggestions"]
    assert app.blobs.get(f"editions/{day}/overrides.json") is None  # nothing stored
    assert [(e.action, e.outcome) for e in app.audit.for_edition(day)] == [("story edit", "refused")]

    dropped = act(target, f"{base}/stories/{lead['id']}", {"drop": True})
    assert dropped["version"] == 2
    restored = act(target, f"{base}/stories/{lead['id']}", {"drop": False})
    assert restored["version"] == 3
    assert [r["id"] for r in call(target, "GET", f"{base}/stories")["stories"]] == [r["id"] for r in listed["stories"]]

    call(target, "POST", f"{base}/approve", {})
    titled = act(target, f"{base}/title", {"title": "The day Lisbon's government fell"})
    assert titled["status"] == "approved" and titled["approval"].startswith("kept")
    web = app.blobs.get(f"editions/{day}/v{titled['version']:04d}/email.html").decode()
    assert "The day Lisbon&#39;s government fell" in web or "The day Lisbon's government fell" in web
    audit = call(target, "GET", f"{base}/audit")
    assert audit["timezone"] == app.settings.edition_timezone
