"""Every editor action through the local HTTP bridge with a real HTTP client, signed and unsigned."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from digest.cli import ops
from digest.cli.client import ApiError, call
from digest.local.serve import LocalServer
from tests.integration.local_server import editor_target, wait_for


@pytest.fixture
def server(stack, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", stack.endpoint)
    with LocalServer(state_file=tmp_path / "local.json", stack=stack) as running:
        ops._seed(running.app)
        yield running


def unsigned(server, method: str, path: str) -> int:
    request = urllib.request.Request(server.bridge.url + path, data=b"{}" if method == "POST" else None, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


ACTIONS = [("GET", ""), ("GET", "/preview"), ("GET", "/audit"), ("POST", "/rebuild"), ("POST", "/approve"),
           ("POST", "/hold"), ("POST", "/release"), ("POST", "/send"), ("POST", "/test-send"),
           ("POST", "/resend-failures"), ("POST", "/stories/any")]


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

    edited = call(target, "POST", f"{base}/stories/{lead}", {"headline": "Government falls in Lisbon"})
    assert edited["created"] and edited["version"] == 2
    assert any("headline" in line for line in edited["diff"])
    assert call(target, "POST", f"{base}/rebuild", {})["created"] is False  # nothing changed: same version

    assert call(target, "POST", f"{base}/test-send", {"to": ["editor@news.example.org"]}) == {"sent": 1}
    assert app.ledger.get(day, "sub-editor") is None and list(app.ledger.for_edition(day)) == []

    call(target, "POST", f"{base}/hold", {"reason": "legal review"})
    with pytest.raises(ApiError, match="cannot approve a held edition"):
        call(target, "POST", f"{base}/approve", {})
    call(target, "POST", f"{base}/release", {})
    call(target, "POST", f"{base}/approve", {})
    sent = call(target, "POST", f"{base}/send", {})
    assert sent["recipients"] == 5
    with pytest.raises(ApiError, match="cannot send twice"):
        call(target, "POST", f"{base}/send", {})
    wait_for(lambda: call(target, "GET", base)["delivery"]["sent"] == 5)

    with pytest.raises(ApiError, match="without making a correction"):
        call(target, "POST", f"{base}/stories/{lead}", {"headline": "Too late"})
    corrected = call(target, "POST", f"{base}/stories/{lead}", {"summary": "Parliament voted 121 to 104.",
                                                                  "correction": True})
    assert corrected["created"] and corrected["status"] == "sent"
    assert b"Corrected" in app.blobs.get(f"site/{day}/index.html")
    assert call(target, "POST", f"{base}/resend-failures", {}) == {"recipients": 0}
    assert len(server.stack.sent_emails()) == 6  # 5 subscribers + 1 test copy; the correction emailed nobody

    actions = [(e["action"], e["outcome"]) for e in call(target, "GET", f"{base}/audit")["entries"]]
    assert actions == [("story edit", "ok"), ("rebuild", "ok"), ("rebuild", "ok"), ("test-send", "ok"),
                       ("hold", "ok"), ("approve", "refused"), ("release", "ok"), ("approve", "ok"), ("send", "ok"),
                       ("send", "refused"), ("story edit", "refused"), ("story edit", "ok"), ("rebuild", "ok"),
                       ("resend-failures", "ok")]
    assert all(e["actor"].endswith("user/local-editor") for e in call(target, "GET", f"{base}/audit")["entries"])
