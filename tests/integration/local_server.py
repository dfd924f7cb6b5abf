"""A ``digest serve`` server on the shared moto stack, plus helpers to read what SES accepted."""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from botocore.credentials import Credentials

from digest.adapters.clock import ShiftedClock
from digest_tools.cli import ops
from digest_tools.cli.client import Target
from digest_tools.local.serve import LocalServer
from digest_tools.local.stack import DUMMY_CREDENTIALS, REGION
from tests.conftest import INSTANTS


def editor_target(server, secret: str | None = None) -> Target:
    creds = Credentials(DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"], secret or DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    return Target(server.bridge.url, REGION, creds, server.stack.env, server.stack.endpoint)


def messages_to(stack, address: str) -> list[email.message.EmailMessage]:
    return [
        email.message_from_string(m["raw_data"], policy=email.policy.default)
        for m in stack.sent_emails()
        if address in m["destinations"]
    ]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link(message, path: str) -> str:
    found = re.search(r"https?://\S+?" + re.escape(path) + r"[A-Za-z0-9._-]+", text_of(message))
    assert found, f"no {path} link in the message"
    return found.group(0)


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the local send queue")
        time.sleep(0.2)


def wait_for_sent(app, day: str, readers: int, timeout: float = 20.0) -> None:
    """Until the ledger shows ``readers`` of ``day`` as sent: every send of theirs is over."""
    wait_for(lambda: sum(d.state == "sent" for d in app.ledger.for_edition(day)) == readers, timeout)


@contextmanager
def demo_server(stack, tmp_path, monkeypatch, **options) -> Iterator[LocalServer]:
    """``digest serve --demo-data`` on the test's stack, its clock started at 00:30 UTC (the hour
    at which a naive date once broke the editor's tests); ``options`` go to ``LocalServer``."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", stack.endpoint)
    clock = ShiftedClock(INSTANTS["00:30 UTC"])
    with LocalServer(state_file=tmp_path / "local.json", stack=stack, clock=clock, **options) as running:
        ops._seed(running.app)
        yield running
