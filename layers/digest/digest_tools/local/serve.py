"""``digest serve``: the local stack, the public and editor APIs on one local HTTP server.

Routes come from ``template.yaml`` (each HttpApi event of PublicFunction and EditorFunction), so
the local server and API Gateway cannot drift. Editor routes are checked like IAM does it, by
verifying the SigV4 signature (see :mod:`digest_tools.local.sigv4`). The state file tells the other
``digest`` commands where the running local stack is; it is removed when the server stops (Ctrl-C,
SIGTERM, or a failed start). Every email the local SES accepted is listed and rendered at
``/_local/mail`` (see :mod:`digest_tools.local.mailview`).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from digest import bootstrap
from digest.config import Settings
from digest.ports import Clock
from digest_tools.local import desk
from digest_tools.local.bridge import ApiBridge, Route, lambda_context, load_handler
from digest_tools.local.clock import local_clock
from digest_tools.local.desk import DESK_ADMIN, DESK_EDITOR, desk_sign_in, seed_editor
from digest_tools.local.mailview import PATH as MAIL_PATH
from digest_tools.local.mailview import mail_handler
from digest_tools.local.sigv4 import LocalIam
from digest_tools.local.stack import DUMMY_CREDENTIALS, REGION, LocalStack
from digest_tools.local.template import PROJECT

STATE_FILE = Path(".digest") / "local.json"
API_FUNCTIONS = ("PublicFunction", "EditorFunction")
POLL_SECONDS = 0.5  # how often the local event sources look for work


def routes_from_template(stack: LocalStack, authorizers: dict[str, Any]) -> list[Route]:
    """Every HttpApi event of the API functions, each with the authorizer API Gateway gives it:
    the event's own (``Auth.Authorizer``), else its API's default; ``authorizers`` by name."""
    routes = []
    resources = stack.template["Resources"]
    for logical_id in API_FUNCTIONS:
        function = resources[logical_id]["Properties"]
        handler = load_handler(PROJECT / function["CodeUri"])
        for event in function.get("Events", {}).values():
            if event["Type"] == "HttpApi":
                props = event["Properties"]
                api = resources.get(props.get("ApiId", {}).get("Ref", ""), {}).get("Properties", {})
                name = props.get("Auth", {}).get("Authorizer") or api.get("Auth", {}).get("DefaultAuthorizer")
                routes.append(Route(props["Method"], props["Path"], handler, authorizers.get(name), name=logical_id))
    return routes


class ThreadStarter:
    """Runs an asynchronous editor action the way Lambda's ``InvocationType=Event`` does: the same
    handler, called with the event on a background thread, in its own (simulated) 120 s context.

    Examples
    --------
    >>> seen = []
    >>> starter = ThreadStarter(lambda event, context: seen.append(event["n"]), "editor")
    >>> starter.start({"n": 1}); starter.join(); seen
    [1]
    """

    def __init__(self, handler, function_name: str, timeout_s: float = 120.0) -> None:
        self.handler, self.function_name, self.timeout_s = handler, function_name, timeout_s
        self._threads: list[threading.Thread] = []

    def start(self, event: dict) -> None:
        def work() -> None:
            try:
                self.handler(json.loads(json.dumps(event)), lambda_context(self.function_name, self.timeout_s))
            except Exception as exc:  # noqa: BLE001 - like Lambda: the failure is logged, nothing retries
                print(f"{self.function_name} (async): {type(exc).__name__}: {exc}")

        thread = threading.Thread(target=work, name="editor-action", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def join(self, timeout: float = 30.0) -> None:
        for thread in list(self._threads):
            thread.join(timeout)


class LocalServer:
    """Start with ``start()``; ``url`` is the API base; ``app`` the composition root it serves."""

    def __init__(
        self,
        port: int = 0,
        state_file: Path = STATE_FILE,
        stack: LocalStack | None = None,
        clock: Clock | None = None,
        groups_every: float = 60.0,  # seconds between looks for reader groups whose hour came (0: never)
    ) -> None:
        self.port, self.state_file, self.groups_every = port, state_file, groups_every
        self.clock = clock or local_clock()
        self.own_stack = stack is None  # tests hand in the shared, already-populated stack
        self.stack = stack or LocalStack()
        self.bridge: ApiBridge | None = None
        self.app: bootstrap.Container | None = None
        self._poller: threading.Thread | None = None
        self._stopping = threading.Event()
        self.desk_password = self.admin_password = ""  # DESK_EDITOR's and DESK_ADMIN's, set by start()
        self.desk_sign_in: desk.LocalSignIn | None = None

    def start(self) -> str:
        try:
            return self._start()
        except BaseException:
            self.stop()  # nothing half-started is left behind: threads, servers, the state file
            raise

    @property
    def mail_url(self) -> str:
        """Where the emails the local SES accepted are listed (``moto_mail_url`` has them raw)."""
        return (self.bridge.url if self.bridge else "") + MAIL_PATH

    @property
    def desk_url(self) -> str:
        """The desk page, its configuration (this API, the local pool's client) in the fragment."""
        refs = self.stack.refs
        return desk.desk_url(self.bridge.url if self.bridge else "", refs["DeskClient"], REGION, refs["EditorUserPool"])

    def _desk_page(self) -> str:
        from digest.core.site import render_page

        assert self.app is not None
        return render_page(self.app.env, "desk", self.app.brand, self.app.site)

    @property
    def moto_mail_url(self) -> str:
        return f"{self.stack.endpoint}/moto-api/data.json"

    def _start(self) -> str:
        if self.own_stack:
            self.stack.start()
            self.stack.env = self.stack.create_resources()
        env = self.stack.env
        iam = LocalIam(DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"], DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"], REGION)
        authorizers = {"AWS_IAM": iam, "DeskSignIn": desk_sign_in(self.stack)}
        self.desk_password = seed_editor(self.stack)
        self.admin_password = seed_editor(self.stack, DESK_ADMIN, "admins")
        self.desk_sign_in = sign_in = desk.LocalSignIn(self.stack.refs["EditorUserPool"], desk.moto_tokens(self.stack))
        sign_in.add(DESK_EDITOR, self.desk_password)
        sign_in.add(DESK_ADMIN, self.admin_password)
        mail = mail_handler(self.stack.sent_emails)
        local_routes = [
            Route("GET", MAIL_PATH, mail, name="mail"),
            Route("GET", MAIL_PATH + "/{n}", mail, name="mail"),
            Route("GET", desk.PAGE, desk.page_handler(self._desk_page), name="desk"),
            Route("POST", desk.COGNITO, desk.cognito_handler(self.stack.endpoint, sign_in), name="cognito"),
        ]
        self.bridge = ApiBridge(routes_from_template(self.stack, authorizers) + local_routes, port=self.port)
        url = self.bridge.start()
        settings = Settings.from_env({**env, "AWS_ENDPOINT_URL": self.stack.endpoint, "AWS_REGION": REGION})
        self.app = bootstrap.Container(
            replace(settings, narrator="espeak", allow_loopback_fetch=True, api_base_url=url), self.clock
        )
        editor = next(r for r in self.bridge.routes if r.name == "EditorFunction")
        self.app.action_starter = self.starter = ThreadStarter(editor.handler, "morning-digest-editor")
        bootstrap.use(self.app)
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        state = {"api": url, "endpoint": self.stack.endpoint, "env": env, "mail": self.mail_url, "pid": os.getpid()}
        self.state_file.write_text(json.dumps(state, indent=2))
        self._poller = threading.Thread(target=self._poll_send_queue, daemon=True)
        self._poller.start()
        return url

    def _poll_send_queue(self) -> None:
        """Lambda's SQS event source for the send function: batches go to the real handler. And the
        stack's 15-minute schedule of the reader groups, every ``groups_every`` seconds here: the
        groups of a sent edition whose local hour has come since are queued."""
        handler = load_handler(PROJECT / "functions" / "send")
        dispatch = load_handler(PROJECT / "functions" / "dispatch")
        sqs = self.app.client("sqs")
        ticks, every = 0, max(1, round(self.groups_every / POLL_SECONDS))
        while not self._stopping.wait(POLL_SECONDS):
            ticks += 1
            try:
                if self.groups_every > 0 and ticks % every == 0:
                    dispatch({"trigger": "groups"}, lambda_context("dispatch"))
                self.drain(sqs, handler)
            except Exception as exc:  # noqa: BLE001 - keep the local event source alive, like Lambda's
                print(f"local event sources: {type(exc).__name__}: {exc}")

    def drain(self, sqs, handler) -> None:
        url = self.app.settings.send_queue_url
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:send",
                "awsRegion": REGION,
            }
            for m in messages
        ]
        failed = {
            f["itemIdentifier"] for f in handler({"Records": records}, lambda_context("send"))["batchItemFailures"]
        }
        for m in messages:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    def stop(self) -> None:
        """Stop what was started; the state file goes even when a step of stopping fails."""
        self._stopping.set()
        try:
            if getattr(self, "starter", None) is not None:
                self.starter.join()
            if self._poller is not None:
                self._poller.join(timeout=5)
            if self.bridge is not None:
                self.bridge.stop()
            if self.own_stack:
                self.stack.stop()
        finally:
            bootstrap.use(None)
            self.state_file.unlink(missing_ok=True)

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
