"""Subscribe → confirm → receive → one-click unsubscribe → receive nothing, over real HTTP."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from digest.core.subscriber import ACTIVE, UNSUBSCRIBED, subscriber_id
from digest.core.tokens import CONFIRM, UNSUBSCRIBE, make_token
from digest_tools.cli import ops
from digest_tools.cli.client import call
from digest_tools.local.serve import LocalServer
from tests.conftest import FixedClock
from tests.integration.local_server import editor_target, link, messages_to, wait_for
from tests.integration.stories import stories_for

READER = "new.reader@cs.example.edu"


@pytest.fixture
def server(stack, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", stack.endpoint)
    with LocalServer(state_file=tmp_path / "local.json", stack=stack) as running:
        yield running


@pytest.fixture
def server_at(stack, tmp_path, monkeypatch, instant):
    """``digest serve`` with its clock pinned at one of the awkward instants."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", stack.endpoint)
    with LocalServer(state_file=tmp_path / "local.json", stack=stack, clock=FixedClock(instant)) as running:
        yield running


def http(method: str, url: str, form: dict | None = None) -> tuple[int, str]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_subscribe_confirm_receive_unsubscribe_receive_nothing(server_at):
    server = server_at
    app, api = server.app, server.bridge.url
    assert http("POST", f"{api}/subscribe", {"email": READER, "website": ""})[0] == 202
    (confirmation,) = messages_to(server.stack, READER)
    assert "List-Unsubscribe" not in confirmation  # not on a list yet
    status, page = http("GET", link(confirmation, "/confirm/"))
    assert status == 200 and "subscribed" in page
    sid = subscriber_id(READER)
    assert app.subscribers.get(sid).status == ACTIVE
    assert app.subscribers.get(sid).plan == "trial"  # cs.example.edu is not a real school domain

    ops._seed(app)
    day = app.today().isoformat()
    call(editor_target(server), "POST", f"/editions/{day}/send", {})
    wait_for(lambda: app.ledger.get(day, sid) is not None and app.ledger.get(day, sid).state == "sent")
    edition = messages_to(server.stack, READER)[-1]
    one_click = edition["List-Unsubscribe"].strip("<>")
    assert edition["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert http("GET", one_click)[0] == 200 and app.subscribers.get(sid).status == ACTIVE  # scanners are harmless
    assert http("POST", one_click, {"List-Unsubscribe": "One-Click"})[0] == 200
    assert app.subscribers.get(sid).status == UNSUBSCRIBED
    assert http("POST", one_click, {"List-Unsubscribe": "One-Click"})[0] == 200  # idempotent

    # The next morning's edition goes to everyone else, not to them.
    app.clock.advance(days=1)
    before, everyone = len(messages_to(server.stack, READER)), len(server.stack.sent_emails())
    stories_for(app, app.today(), app.settings.edition_timezone)
    assert app.assemble(app.today()).created
    result = app.dispatch(app.today().isoformat(), scheduled=False)
    assert result.recipients == 5 and result.messages == 1
    wait_for(lambda: len(server.stack.sent_emails()) == everyone + 5)
    assert len(messages_to(server.stack, READER)) == before


def test_school_addresses_get_a_student_plan(server):
    assert http("POST", f"{server.bridge.url}/subscribe", {"email": "reader@mit.edu"})[0] == 202
    (confirmation,) = messages_to(server.stack, "reader@mit.edu")
    assert http("GET", link(confirmation, "/confirm/"))[0] == 200
    assert server.app.subscribers.get(subscriber_id("reader@mit.edu")).plan == "student"


def test_the_honeypot_and_bad_addresses_send_nothing(server):
    api = server.bridge.url
    assert http("POST", f"{api}/subscribe", {"email": "bot@example.com", "website": "http://spam.example"})[0] == 202
    assert http("POST", f"{api}/subscribe", {"email": "not an address"})[0] == 400
    assert server.stack.sent_emails() == []


def test_forged_expired_and_wrong_purpose_tokens_are_refused(server, monkeypatch):
    api, secret = server.bridge.url, server.app.signing_secret
    assert http("POST", f"{api}/subscribe", {"email": READER})[0] == 202
    sid = subscriber_id(READER)
    wrong_purpose = make_token(secret, UNSUBSCRIBE, sid)
    assert http("GET", f"{api}/confirm/{wrong_purpose}")[0] == 400
    assert http("GET", f"{api}/confirm/{make_token('not-the-secret', CONFIRM, sid)}")[0] == 400
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 3 * 24 * 3600)
    expired = make_token(secret, CONFIRM, sid)
    monkeypatch.setattr(time, "time", real_time)
    assert http("GET", f"{api}/confirm/{expired}")[0] == 400
    assert http("POST", f"{api}/unsubscribe/{make_token('forged', UNSUBSCRIBE, sid)}", {"x": "1"})[0] == 400
    assert server.app.subscribers.get(sid).status == "pending"
