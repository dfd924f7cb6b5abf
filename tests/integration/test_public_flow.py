"""Subscribe → confirmation page → confirm → welcome → receive → one-click unsubscribe → receive
nothing, over real HTTP; and the reader's pages (preferences, unsubscribe, subscribe again). The
confirmation, welcome and trial reminder go through the configuration set that never tracks reads,
the editions through the one that does when the stack's ReadTracking is on."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest

from digest.core.subscriber import ACTIVE, UNSUBSCRIBED, Subscriber
from digest.core.tokens import CONFIRM, UNSUBSCRIBE, make_token
from digest_tools.cli import ops
from digest_tools.cli.client import call, wait_for_action
from digest_tools.local.serve import LocalServer
from tests.conftest import FixedClock
from tests.integration.local_server import editor_target, link, messages_to, text_of, wait_for_sent
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


@pytest.fixture
def ses_sends(server_at):
    """(kind, configuration set) of every SendEmail request boto3 makes to the stand-in: moto keeps
    no configuration set for a raw send, so a botocore hook on the one SES client reads the request."""
    client, seen = server_at.app.mailer.ses, []

    def record(params: dict, **_: object) -> None:
        tags = {t["Name"]: t["Value"] for t in params.get("EmailTags", [])}
        seen.append((tags.get("kind", "edition" if "edition" in tags else "?"), params.get("ConfigurationSetName")))

    client.meta.events.register("provide-client-params.sesv2.SendEmail", record)
    yield seen
    client.meta.events.unregister("provide-client-params.sesv2.SendEmail", record)


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


def test_subscribe_confirm_receive_unsubscribe_receive_nothing(server_at, ses_sends):
    server = server_at
    app, api = server.app, server.bridge.url
    assert http("POST", f"{api}/subscribe", {"email": READER, "website": ""})[0] == 202
    (confirmation,) = messages_to(server.stack, READER)
    assert "List-Unsubscribe" not in confirmation  # not on a list yet
    confirm_url = link(confirmation, "/confirm/")
    status, page = http("GET", confirm_url)  # what a mail scanner does: it must change nothing
    sid = server.app.subscriber_ids.of(READER)
    assert status == 200 and "Confirm my subscription" in page and f'action="{confirm_url}"' in page
    assert app.subscribers.get(sid).status == "pending" and len(messages_to(server.stack, READER)) == 1
    status, page = http("POST", confirm_url, {})
    assert status == 200 and "You are subscribed" in page
    assert app.subscribers.get(sid).status == ACTIVE
    (welcome,) = messages_to(server.stack, READER)[1:]
    assert welcome["Subject"] == "Welcome to Morning Digest" and welcome["List-Unsubscribe"]
    assert "/preferences/" in text_of(welcome) and "two-week trial, which ends on" in text_of(welcome)
    assert http("POST", confirm_url, {})[0] == 200 and len(messages_to(server.stack, READER)) == 2  # one welcome
    assert app.subscribers.get(sid).plan == "trial"  # cs.example.edu is not a real school domain

    ops._seed(app)
    day = app.today().isoformat()
    target = editor_target(server)
    first = wait_for_action(target, call(target, "POST", f"/editions/{day}/send", {}), lambda _: None)
    # Every reader of the day, not only this one: the count below must not move under later sends.
    wait_for_sent(app, day, first["recipients"])
    assert app.ledger.get(day, sid).state == "sent"
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
    wait_for_sent(app, app.today().isoformat(), 5)
    assert len(server.stack.sent_emails()) == everyone + 5
    assert len(messages_to(server.stack, READER)) == before

    # A trial ending in two days: its reminder, like the confirmation and welcome, is never tracked.
    ending = (app.today() + timedelta(days=2)).isoformat()
    app.subscribers.put(Subscriber("sub-trial", "ending@example.org", ACTIVE, "trial", trial_end=ending))
    assert app.run_trials(app.today()).reminded == 1
    editions, transactional = app.settings.ses_configuration_set, app.settings.ses_transactional_configuration_set
    assert editions and transactional and editions != transactional
    assert set(ses_sends) == {
        ("confirm", transactional),
        ("welcome", transactional),
        ("trial-reminder", transactional),
        ("edition", editions),
    }


def test_school_addresses_get_a_student_plan(server):
    assert http("POST", f"{server.bridge.url}/subscribe", {"email": "reader@mit.edu"})[0] == 202
    (confirmation,) = messages_to(server.stack, "reader@mit.edu")
    assert http("POST", link(confirmation, "/confirm/"), {})[0] == 200
    assert server.app.subscribers.get(server.app.subscriber_ids.of("reader@mit.edu")).plan == "student"


def test_the_honeypot_and_bad_addresses_send_nothing(server):
    api = server.bridge.url
    assert http("POST", f"{api}/subscribe", {"email": "bot@example.com", "website": "http://spam.example"})[0] == 202
    assert http("POST", f"{api}/subscribe", {"email": "not an address"})[0] == 400
    assert server.stack.sent_emails() == []


def test_forged_expired_and_wrong_purpose_tokens_are_refused(server, monkeypatch):
    api, secret = server.bridge.url, server.app.signing_secret
    assert http("POST", f"{api}/subscribe", {"email": READER})[0] == 202
    sid = server.app.subscriber_ids.of(READER)
    wrong_purpose = make_token(secret, UNSUBSCRIBE, sid)
    assert http("GET", f"{api}/confirm/{wrong_purpose}")[0] == 400
    assert http("GET", f"{api}/confirm/{make_token('not-the-secret', CONFIRM, sid)}")[0] == 400
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 3 * 24 * 3600)
    expired = make_token(secret, CONFIRM, sid)
    monkeypatch.setattr(time, "time", real_time)
    assert http("GET", f"{api}/confirm/{expired}")[0] == 400
    assert http("POST", f"{api}/confirm/{expired}", {})[0] == 400
    assert http("POST", f"{api}/confirm/{wrong_purpose}", {})[0] == 400
    assert http("POST", f"{api}/unsubscribe/{make_token('forged', UNSUBSCRIBE, sid)}", {"x": "1"})[0] == 400
    assert server.app.subscribers.get(sid).status == "pending"


def raw(url: str, body: bytes, content_type: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_malformed_bodies_answer_400_with_a_reason_and_send_nothing(server):
    url = f"{server.bridge.url}/subscribe"
    many = "&".join(f"f{i}=x" for i in range(30)).encode()
    cases = [
        (many, "application/x-www-form-urlencoded", "at most 20 fields"),
        (b"email=\xff\xfe@example.com", "application/x-www-form-urlencoded", "not UTF-8"),
        (b"[" * 5000 + b"]" * 5000, "application/json", "not valid JSON"),
        (b'{"email": {"nested": ["x"]}}', "application/json", "plain values"),
        (b'["a@example.com"]', "application/json", "one JSON object"),
    ]
    for body, content_type, reason in cases:
        status, text = raw(url, body, content_type)
        assert status == 400 and reason in text, (body[:40], status, text[:200])
    assert server.stack.sent_emails() == []


def test_json_clients_get_json(server):
    api = server.bridge.url
    status, text = raw(f"{api}/subscribe", b'{"email": "json.reader@example.com"}', "application/json")
    assert (status, json.loads(text)) == (202, {"status": "pending"})
    (confirmation,) = messages_to(server.stack, "json.reader@example.com")
    status, text = raw(link(confirmation, "/confirm/"), b"{}", "application/json")
    assert (status, json.loads(text)) == (200, {"status": "active"})
    sid = server.app.subscriber_ids.of("json.reader@example.com")
    prefs = f"{api}/preferences/{make_token(server.app.signing_secret, UNSUBSCRIBE, sid)}"
    status, text = raw(prefs, b'{"timezone": "Asia/Tokyo"}', "application/json")
    assert status == 200 and json.loads(text)["preferences"]["timezone"] == "Asia/Tokyo"
    assert server.app.subscribers.get(sid).timezone == "Asia/Tokyo"


def test_the_sign_up_pages_are_served(server):
    api = server.bridge.url
    for path, heading in (
        ("/", "Start your free two-week trial"),
        ("/subscribe", "Start your free two-week trial"),
        ("/students", "Free for students and faculty"),
    ):
        status, page = http("GET", api + path)
        assert status == 200 and f"<h1>{heading}</h1>" in page and f'action="{api}/subscribe"' in page
    status, page = http("POST", f"{api}/subscribe", {"email": "x", "page": "students"})
    assert status == 400 and "Free for students and faculty" in page and 'aria-invalid="true"' in page


def test_showing_the_unsubscribe_page_touches_no_store(server, monkeypatch):
    class NoStore:
        def __getattr__(self, name):
            raise AssertionError("a GET of the unsubscribe link must not reach the subscriber store")

    api, sid = server.bridge.url, server.app.subscriber_ids.of(READER)
    token = make_token(server.app.signing_secret, UNSUBSCRIBE, sid)
    monkeypatch.setattr(server.app, "subscribers", NoStore())
    server.app.__dict__.pop("subscriptions", None)  # rebuilt on the guarded store
    status, page = http("GET", f"{api}/unsubscribe/{token}")
    assert status == 200 and f'<form method="post" action="{api}/unsubscribe/{token}">' in page
    assert 'name="reason"' in page and "<button" in page
