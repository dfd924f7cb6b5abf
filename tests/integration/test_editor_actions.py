"""Asynchronous editor actions on the local AWS stand-in: the DynamoDB store, the Lambda starter's
request, and the editor function's worker path with its own events/ file."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from digest.core.audit import ActionRecord, AuditEntry
from digest.errors import InvokeError
from digest.services.actions import MalformedAction
from tests.integration.handlers import context, event, invoke, load_handler
from tests.integration.test_handlers import DAY, _morning

ID = "a0123456789abcdef0123"


class Handed:
    """Keeps the worker events instead of invoking Lambda (moto's invoke needs Docker)."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def start(self, event: dict) -> None:
        self.events.append(event)


@pytest.fixture(autouse=True)
def _starter(request):
    if "app" in request.fixturenames:
        request.getfixturevalue("app").action_starter = Handed()


def _record(**changes) -> ActionRecord:
    record = ActionRecord(
        ID,
        DAY,
        "rebuild",
        "arn:aws:iam::123456789012:user/night-editor",
        "queued",
        "2026-11-28T10:00:00+00:00",
        "2026-11-28T10:00:00+00:00",
        "2026-11-28T10:05:00+00:00",
        json.dumps({"note": None}),
    )
    return replace(record, **changes)


def test_the_dynamodb_store_keeps_actions_apart_from_the_editions_audit(app):
    store = app.actions.store
    app.audit.record(AuditEntry(DAY, "2026-11-28T10:00:00+00:00", "arn:editor", "hold", 1, "ok", "legal"))
    store.create(_record())
    assert store.get(ID) == _record()
    assert store.get("a" + "0" * 20) is None
    assert [e.action for e in app.audit.for_edition(DAY)] == ["hold"]  # the action is not an audit entry

    assert store.claim(ID, "2026-11-28T10:00:01+00:00", "2026-11-28T10:02:10+00:00") is True
    assert store.claim(ID, "2026-11-28T10:00:02+00:00", "2026-11-28T10:02:10+00:00") is False  # taken once
    running = store.get(ID)
    assert (running.state, running.updated_at, running.deadline) == (
        "running",
        "2026-11-28T10:00:01+00:00",
        "2026-11-28T10:02:10+00:00",
    )
    store.finish(
        replace(
            running, state="failed", reason="cannot send twice", refused=True, updated_at="2026-11-28T10:00:09+00:00"
        )
    )
    ended = store.get(ID)
    assert (ended.state, ended.reason, ended.refused, ended.result) == ("failed", "cannot send twice", True, "")
    with pytest.raises(Exception, match="exists already"):
        store.create(_record())


def test_the_worker_event_in_events_runs_a_started_action_once(app, sources_file):
    _morning(app)
    app.actions.store.create(_record(request=json.dumps({"note": "Updated toll"})))
    worker = event("editor", "action-run.json")
    handler = load_handler("editor").handler
    assert handler(worker, context("editor")) == {"action": ID, "state": "done"}
    assert handler(worker, context("editor"))["state"] == "done"  # delivered again: not run again
    done = app.actions.status(DAY, ID)
    assert done["result"]["version"] >= 1 and done["result"]["status"] == "draft"
    outcomes = [(e.action, e.outcome) for e in app.audit.for_edition(DAY)]
    assert outcomes == [("rebuild", "ok"), ("rebuild", "done")]


@pytest.mark.parametrize(
    "bad, problem",
    [
        ({"digest_action": {"version": 1, "action": ID}}, "edition_date must be YYYY-MM-DD"),
        ({"digest_action": {"version": 1, "action": ID, "edition_date": DAY}}, f"no action {ID} for {DAY}"),
        ({"Records": []}, "neither an HTTP API request nor an editor action event"),
    ],
)
def test_the_editor_function_refuses_malformed_events_clearly(app, bad, problem):
    with pytest.raises(MalformedAction, match=problem):
        invoke("editor", bad)


def test_the_http_events_in_events_editor_start_and_poll_an_action(app, sources_file):
    _morning(app)
    started = invoke("editor", event("editor", "rebuild-post.json"))
    assert started["statusCode"] == 202
    view = json.loads(started["body"])
    assert started["headers"]["Location"] == view["status_url"] == f"/editions/{DAY}/actions/{view['action']}"
    app.actions.run(app.action_starter.events[0], 60_000)
    polled = event("editor", "action-get.json")
    polled["pathParameters"]["action"] = view["action"]
    polled["rawPath"] = polled["requestContext"]["http"]["path"] = view["status_url"]
    reply = json.loads(invoke("editor", polled)["body"])
    assert reply["state"] == "done" and reply["kind"] == "rebuild" and reply["edition_date"] == DAY


class _Recorder(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["content-length"]))
        self.server.seen.append((self.path, dict(self.headers), body))  # type: ignore[attr-defined]
        status, payload = self.server.reply  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("content-type", "application/json")
        if status >= 400:
            self.send_header("x-amzn-errortype", json.loads(payload)["__type"])
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def lambda_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen, server.reply = [], (202, b"")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_lambda_starter_sends_an_asynchronous_invoke_of_the_named_function(lambda_endpoint):
    from digest.adapters.aws import client
    from digest.adapters.lambda_invoke import LambdaStarter

    url = f"http://127.0.0.1:{lambda_endpoint.server_address[1]}"
    starter = LambdaStarter(client("lambda", "us-east-1", url, 1), "morning-digest-prod-editor")
    starter.start({"digest_action": {"version": 1, "action": ID, "edition_date": DAY}})
    ((path, headers, body),) = lambda_endpoint.seen
    assert path == "/2015-03-31/functions/morning-digest-prod-editor/invocations"
    assert headers["X-Amz-Invocation-Type"] == "Event"
    assert json.loads(body) == {"digest_action": {"version": 1, "action": ID, "edition_date": DAY}}

    lambda_endpoint.reply = (
        403,
        json.dumps(
            {"__type": "AccessDeniedException", "Message": "not authorized to perform: lambda:InvokeFunction"}
        ).encode(),
    )
    with pytest.raises(InvokeError, match="Lambda refused to start morning-digest-prod-editor: AccessDenied"):
        starter.start({"digest_action": {}})
