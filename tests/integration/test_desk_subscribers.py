"""The subscriber list on the editor API (the local bridge over the moto stack): counts and cost
for every editor; search, export, import and remove for admins only (the desk's admins group or
the IAM-signed CLI). Imports send the real confirmation emails through the sign-up queue and
never make anyone active; a removed complainer keeps only the suppression."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request

import pytest

from digest.core.subscriber import ACTIVE, COMPLAINED, Subscriber, SubscriberIds
from digest_tools.cli import subscribers_admin
from digest_tools.cli.client import call
from digest_tools.cli.main import main
from digest_tools.local.serve import DESK_EDITOR
from tests.integration.local_server import demo_server, editor_target, messages_to
from tests.integration.test_desk_sign_in import cognito, sign_in

ADMIN = "chief@news.example.org"


@pytest.fixture
def server(stack, tmp_path, monkeypatch):
    with demo_server(stack, tmp_path, monkeypatch) as running:
        yield running


def admin_token(server) -> str:
    """A desk account in the admins group (the seeded one is an editor)."""
    pool, password, client = server.stack.refs["EditorUserPool"], "Chief-pass-123456", cognito(server)
    try:
        client.admin_create_user(UserPoolId=pool, Username=ADMIN, MessageAction="SUPPRESS",
                                 UserAttributes=[{"Name": "email", "Value": ADMIN}])  # fmt: skip
    except client.exceptions.UsernameExistsException:
        pass
    client.admin_set_user_password(UserPoolId=pool, Username=ADMIN, Password=password, Permanent=True)
    client.admin_add_user_to_group(UserPoolId=pool, Username=ADMIN, GroupName="admins")
    return sign_in(server, ADMIN, password)


def desk(server, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict[str, str], str]:
    """(status, headers, text) of a desk request."""
    data = json.dumps(body or {}).encode() if method == "POST" else None
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    request = urllib.request.Request(server.bridge.url + "/desk" + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, dict(reply.headers), reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def ids(server) -> SubscriberIds:
    return server.app.subscriber_ids


def by_address(server, address: str) -> Subscriber | None:
    return next((s for s in server.app.subscribers.every() if s.email == address), None)


def test_an_editor_sees_counts_and_cost_but_is_refused_the_list(server):
    token, day = sign_in(server, DESK_EDITOR, server.desk_password), server.app.today().isoformat()
    status, _, text = desk(server, "GET", "/subscribers/counts", token)
    counts = json.loads(text)
    assert status == 200 and counts["active"] == 5 and counts["can_manage"] is False
    assert sum(counts["by_plan"].values()) == 5 and counts["by_status"] == {"active": 5}
    status, _, text = desk(server, "GET", "/editions/today/cost", token)
    cost = json.loads(text)
    assert status == 200 and cost["edition_date"] == day and cost["subscribers"] == 5 and cost["total_usd"] > 0
    for method, path in [("GET", "/subscribers?q=example"), ("POST", "/subscribers/export"),
                         ("POST", "/subscribers/import"), ("POST", "/subscribers/sub-x/remove")]:  # fmt: skip
        status, _, text = desk(server, method, path, token, {"csv": "new@example.org"})
        assert status == 403 and "admins group" in json.loads(text)["error"], (path, text)
    assert server.app.audit.for_edition(day) == [] and by_address(server, "new@example.org") is None


def test_an_admin_imports_with_confirmation_emails_and_nobody_becomes_active(server):
    token, day = admin_token(server), server.app.today().isoformat()
    known = next(server.app.subscribers.with_status(ACTIVE)).email
    angry = "angry@example.org"
    server.app.subscribers.put(Subscriber(ids(server).of(angry), angry, COMPLAINED))
    text = f"email\nfresh.one@example.org\nFresh.Two@Example.org\n{known}\n{angry}\nnot an address\n"
    status, _, reply = desk(server, "POST", "/subscribers/import", token, {"csv": text})
    outcome = json.loads(reply)
    assert status == 200, reply
    assert (outcome["invited"], outcome["existing"], outcome["suppressed"], len(outcome["invalid"])) == (2, 1, 1, 1)
    for address in ("fresh.one@example.org", "fresh.two@example.org"):
        [message] = messages_to(server.stack, address)
        assert message["Subject"].startswith("Confirm your subscription")
        assert by_address(server, address).status == "pending"
    assert messages_to(server.stack, angry) == [] and messages_to(server.stack, known) == []
    assert json.loads(desk(server, "GET", "/subscribers/counts", token)[2])["active"] == 5
    [entry] = server.app.audit.for_edition(day)
    assert (entry.actor, entry.action) == (f"{ADMIN} (desk)", "subscribers import") and "@" not in entry.detail


def test_the_export_is_a_private_csv_attachment_behind_a_link_with_formula_cells_neutralised(server):
    token = admin_token(server)
    evil = "=cmd@example.org"
    server.app.subscribers.put(
        Subscriber(ids(server).of(evil), evil, ACTIVE, "paid", "+1 zone", created_at="2026-11-30T08:00:00+00:00")
    )
    status, headers, reply = desk(server, "POST", "/subscribers/export", token)
    offered = json.loads(reply)
    assert status == 200 and headers["Cache-Control"] == "no-store" and offered["readers"] == 6
    name = offered["filename"]
    assert name == f"subscribers-{server.app.today().isoformat()}.csv" and offered["expires_in"] == 300
    # The link is presigned S3 (moto here): it needs no credential, and the object is an attachment.
    with urllib.request.urlopen(offered["url"], timeout=30) as download:
        assert download.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        assert download.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(download.read().decode("utf-8"))))
    assert rows[0][0] == "email" and len(rows) == 1 + 6
    assert ["'=cmd@example.org", "active", "paid", "'+1 zone", "", "2026-11-30", ""] in rows
    unsigned = offered["url"].split("?")[0]  # the same object without the signature: refused
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=30)
    assert refused.value.code == 403


def test_remove_deletes_a_reader_and_keeps_only_a_complainers_suppression(server):
    token, day = admin_token(server), server.app.today().isoformat()
    angry = "angry@example.org"
    sid = ids(server).of(angry)
    server.app.subscribers.put(Subscriber(sid, angry, COMPLAINED, timezone="Europe/Paris", name="Ann"))
    found = json.loads(desk(server, "GET", "/subscribers?q=ANGRY", token)[2])
    assert [r["subscriber_id"] for r in found["results"]] == [sid] and found["truncated"] is False
    status, _, reply = desk(server, "POST", f"/subscribers/{sid}/remove", token)
    assert status == 200 and json.loads(reply)["suppression_kept"] is True
    kept = server.app.subscribers.get(sid)
    assert kept.status == COMPLAINED and (kept.email, kept.name, kept.timezone) == ("", "", "")
    imported = json.loads(desk(server, "POST", "/subscribers/import", token, {"csv": angry})[2])
    assert imported["suppressed"] == 1 and imported["invited"] == 0 and messages_to(server.stack, angry) == []
    reader = next(server.app.subscribers.with_status(ACTIVE))
    assert desk(server, "POST", f"/subscribers/{reader.subscriber_id}/remove", token)[0] == 200
    assert server.app.subscribers.get(reader.subscriber_id) is None
    assert desk(server, "POST", f"/subscribers/{reader.subscriber_id}/remove", token)[0] == 404
    actions = [(e.actor, e.action) for e in server.app.audit.for_edition(day)]
    assert actions.count((f"{ADMIN} (desk)", "subscribers remove")) == 2


def test_the_cli_is_an_admin_and_its_commands_say_what_they_did(server, monkeypatch, capsys, tmp_path):
    target = editor_target(server)
    monkeypatch.setattr(subscribers_admin, "resolve", lambda stack, region: target)
    assert call(target, "GET", "/subscribers/counts")["can_manage"] is True
    assert main(["subscribers", "search", "example", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["results"]) == 5
    out = tmp_path / "list.csv"
    assert main(["subscribers", "export", "-o", str(out)]) == 0
    assert "wrote 5 subscribers" in capsys.readouterr().out and out.read_text().startswith("email,")
    csv_file = tmp_path / "in.csv"
    csv_file.write_text("cli.new@example.org\nbad\n")
    assert main(["subscribers", "import", str(csv_file)]) == 0
    printed = capsys.readouterr().out
    assert "invited 1" in printed and "row 2: 'bad'" in printed
    assert main(["subscribers", "remove", "cli.new@example.org", "--json"]) == 2  # no --yes: refused
    assert "--yes" in json.loads(capsys.readouterr().out)["error"]
    assert main(["subscribers", "remove", "cli.new@example.org", "--yes"]) == 0
    assert "removed sub-" in capsys.readouterr().out and by_address(server, "cli.new@example.org") is None
    day = server.app.today().isoformat()
    assert all(e.actor.startswith("arn:aws:iam::") for e in server.app.audit.for_edition(day))
