"""The desk's sign-in: editors signed in with Cognito (moto's user pool on the local stack) act on
editions through the editor API under /desk, and the audit names them; tokens that are missing,
forged, for another app or of a person outside the editors group are refused, and the CLI's
IAM-signed routes neither accept a token nor change."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

import boto3
import pytest

from digest_tools.cli.client import call
from digest_tools.local.serve import DESK_EDITOR
from tests.integration.local_server import demo_server, editor_target


@pytest.fixture
def server(stack, tmp_path, monkeypatch):
    with demo_server(stack, tmp_path, monkeypatch) as running:
        yield running


def cognito(server):
    return boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=server.stack.endpoint)


def sign_in(server, user: str, password: str, client: str | None = None) -> str:
    """The ID token the desk gets for ``user`` (USER_PASSWORD_AUTH against the local pool)."""
    reply = cognito(server).initiate_auth(
        ClientId=client or server.stack.refs["DeskClient"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": password},
    )
    return reply["AuthenticationResult"]["IdToken"]


def desk(server, method: str, path: str, token: str | None, body: dict | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    data = json.dumps(body or {}).encode() if method == "POST" else None
    request = urllib.request.Request(server.bridge.url + "/desk" + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_a_signed_in_editor_acts_through_the_desk_and_is_named_in_the_audit(server):
    token = sign_in(server, DESK_EDITOR, server.desk_password)
    day = server.app.today().isoformat()
    status, edition = desk(server, "GET", f"/editions/{day}", token)
    assert status == 200 and edition["status"] == "draft" and edition["version"] == 1
    status, stories = desk(server, "GET", f"/editions/{day}/stories", token)
    assert status == 200 and stories["stories"]
    status, _ = desk(server, "POST", f"/editions/{day}/hold", token, {"reason": "checking a figure"})
    assert status == 200 and server.app.editions.latest(day).status == "held"
    assert [(e.actor, e.action) for e in server.app.audit.for_edition(day)] == [(f"{DESK_EDITOR} (desk)", "hold")]
    # The CLI's signed requests go on as before, audited with the IAM identity.
    call(editor_target(server), "POST", f"/editions/{day}/release", {})
    assert server.app.audit.for_edition(day)[-1].actor.startswith("arn:aws:iam::")


def forged(token: str) -> str:
    """The token with its payload changed (the signature no longer matches)."""
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["admins"]
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{changed}.{signature}"


def test_missing_forged_and_foreign_tokens_are_refused_and_change_nothing(server):
    day = server.app.today().isoformat()
    token = sign_in(server, DESK_EDITOR, server.desk_password)
    other_client = cognito(server).create_user_pool_client(UserPoolId=server.stack.refs["EditorUserPool"], ClientName="other",
                                                           ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])  # fmt: skip
    foreign = sign_in(server, DESK_EDITOR, server.desk_password, other_client["UserPoolClient"]["ClientId"])
    for bad in (None, "not-a-jwt", forged(token), foreign):
        assert desk(server, "POST", f"/editions/{day}/approve", bad)[0] == 401
    # A desk token on the CLI's route: the IAM authorizer refuses it.
    request = urllib.request.Request(
        f"{server.bridge.url}/editions/{day}", headers={"Authorization": f"Bearer {token}"}
    )
    with pytest.raises(urllib.error.HTTPError, match="403"):
        urllib.request.urlopen(request, timeout=30)
    assert server.app.editions.latest(day).status == "draft" and server.app.audit.for_edition(day) == []


def test_a_person_outside_the_editors_group_is_refused(server):
    pool, email, password = server.stack.refs["EditorUserPool"], "reader@news.example.org", "Reader-pass-12345"
    client = cognito(server)
    try:
        client.admin_create_user(UserPoolId=pool, Username=email, MessageAction="SUPPRESS")
    except client.exceptions.UsernameExistsException:
        pass
    client.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
    day = server.app.today().isoformat()
    status, reply = desk(server, "POST", f"/editions/{day}/approve", sign_in(server, email, password))
    assert status == 403 and "editors group" in reply["error"]
    assert server.app.editions.latest(day).status == "draft" and server.app.audit.for_edition(day) == []
