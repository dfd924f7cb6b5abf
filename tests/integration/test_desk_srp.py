"""The desk's SRP sign-in through ``digest serve``'s Cognito door (moto does not check SRP, so the
door does): the seeded editor's right password gets tokens the desk API accepts; a wrong password,
a replayed answer and an account the door does not know get Cognito's NotAuthorizedException.
The client's arithmetic is pycognito's (a published Cognito client), spoken over HTTP as the desk
page speaks it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from pycognito.aws_srp import AWSSRP

from digest_tools.local import desk as local_desk
from digest_tools.local.serve import DESK_EDITOR
from tests.integration.local_server import demo_server


@pytest.fixture
def server(stack, tmp_path, monkeypatch):
    with demo_server(stack, tmp_path, monkeypatch) as running:
        yield running


def door(server, target: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        server.bridge.url + local_desk.COGNITO,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{target}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def attempt(server, user: str, password: str) -> tuple[tuple[int, dict], dict]:
    """One SRP sign-in: the door's last reply, and the answer sent (to replay it)."""
    client = server.stack.refs["DeskClient"]
    srp = AWSSRP(user, password, server.stack.refs["EditorUserPool"], client, client=object())
    status, first = door(server, "InitiateAuth", {"ClientId": client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": srp.get_auth_params()})  # fmt: skip
    if status != 200:
        return (status, first), {}
    answer = {
        "ClientId": client,
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeResponses": srp.process_challenge(first["ChallengeParameters"], {"USERNAME": user}),
    }
    return door(server, "RespondToAuthChallenge", answer), answer


def test_only_the_right_password_signs_in_over_srp(server):
    (status, reply), answer = attempt(server, DESK_EDITOR, server.desk_password)
    assert status == 200, reply
    token = reply["AuthenticationResult"]["IdToken"]
    day = server.app.today().isoformat()
    request = urllib.request.Request(f"{server.bridge.url}/desk/editions/{day}", headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as edition:
        assert edition.status == 200
    assert door(server, "RespondToAuthChallenge", answer) == (400, local_desk._WRONG)  # an answer is good once
    (status, reply), _ = attempt(server, DESK_EDITOR, server.desk_password + "x")
    assert (status, reply["__type"]) == (400, "NotAuthorizedException")
    (status, reply), _ = attempt(server, "stranger@news.example.org", server.desk_password)
    assert (status, reply["__type"]) == (400, "NotAuthorizedException")
