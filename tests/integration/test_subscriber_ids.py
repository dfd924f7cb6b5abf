"""Keyed subscriber ids against the moto server: the move of legacy records (a run killed half way,
then run again through the CLI; an unsubscribe landing between a move's read and its write), old
links and SES tags after the move, and a complained reader who comes back only by confirming a
link issued after the complaint."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
from typing import Any

from digest.core.subscriber import (
    ACTIVE,
    COMPLAINED,
    LAPSED,
    MOVED,
    PENDING,
    UNSUBSCRIBED,
    Subscriber,
    legacy_subscriber_id,
)
from digest.core.tokens import CONFIRM, UNSUBSCRIBE, make_token
from digest_tools.cli import migrate_ids as cli
from tests.integration.handlers import event
from tests.integration.local_server import messages_to, text_of

READERS = [f"reader{i}@example.org" for i in range(24)]
KILL_AFTER = 8

# The migration as `digest subscribers migrate-ids` runs it, slowed after each record so the test
# can kill the process between two moves (SIGKILL: no cleanup of any kind runs).
MIGRATE = """
import sys, time
from datetime import datetime
from digest.adapters.clock import FixedClock
from digest.bootstrap import Container
from digest.config import Settings
from digest.services.subscriber_ids import migrate_ids

app = Container(Settings.from_env(), FixedClock(datetime.fromisoformat(sys.argv[1])))
def progress(report):
    print(report.moved, flush=True)
    time.sleep(0.3)
app.call(migrate_ids, progress=progress)
"""


def _seed(app) -> dict[str, Subscriber]:
    statuses = (ACTIVE, UNSUBSCRIBED, COMPLAINED, PENDING, LAPSED, ACTIVE)
    seeded = {}
    for i, address in enumerate(READERS):
        reader = Subscriber(
            legacy_subscriber_id(address),
            address,
            statuses[i % len(statuses)],
            "paid",
            "Europe/Paris",
            updated_at=f"2026-11-01T08:{i:02d}:00+00:00",
        )
        app.subscribers.put(reader)
        seeded[address] = reader
    return seeded


def _complaint(sid: str) -> dict[str, Any]:
    message = json.loads(event("feedback", "complaint.json")["Records"][0]["Sns"]["Message"])
    message["mail"]["tags"].update({"subscriber": [sid], "edition": ["2026-11-28"]})
    return message


class UnsubscribeMidMove:
    """The real store; before the first move, the reader being moved unsubscribes through the
    link in their mailbox (the legacy id), so the move's condition no longer holds."""

    def __init__(self, store: Any, unsubscribe: Any) -> None:
        self.store, self.unsubscribe, self.raced = store, unsubscribe, ""

    def move(self, record: Subscriber, alias: Subscriber, read: Subscriber) -> bool:
        if not self.raced:
            self.raced = alias.subscriber_id
            assert self.unsubscribe(alias.subscriber_id)
        return self.store.move(record, alias, read)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_a_migration_killed_half_way_and_run_again_loses_and_doubles_nothing(app, capsys, monkeypatch):
    seeded = _seed(app)
    secret = app.signing_secret
    child = subprocess.Popen(
        [sys.executable, "-c", MIGRATE, app.clock.now().isoformat()],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        for line in child.stdout:
            if int(line) >= KILL_AFTER:
                break
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    moved = [
        a for a in READERS if app.subscribers.get(legacy_subscriber_id(a)).subscriber_id != legacy_subscriber_id(a)
    ]
    assert len(moved) == KILL_AFTER

    # Between the runs, a moved reader and a not yet moved one leave through their old links.
    account = app.subscriptions.account
    left = [moved[0], next(a for a in READERS if a not in moved and seeded[a].status == LAPSED)]
    for address in left:
        assert account.unsubscribe(make_token(secret, UNSUBSCRIBE, legacy_subscriber_id(address)))

    # The second run (the CLI), with one more reader unsubscribing between a move's read and write.
    real = app.subscribers
    racing = UnsubscribeMidMove(real, lambda sid: account.unsubscribe(make_token(secret, UNSUBSCRIBE, sid)))
    app.subscribers = racing
    monkeypatch.setattr("digest_tools.cli.ops.container_for", lambda target: app)
    monkeypatch.setattr(cli, "resolve", lambda stack, region: None)
    args = argparse.Namespace(stack=None, region=None, json=True, dry_run=False)
    assert cli.run(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["moved"], report["complete"]) == (len(READERS) - KILL_AFTER, True)
    app.subscribers = real
    raced = next(a for a in READERS if legacy_subscriber_id(a) == racing.raced)

    for address, before in seeded.items():
        keyed = app.subscriber_ids.of(address)
        now = app.subscribers.get(keyed)
        alias = app.subscribers._read(legacy_subscriber_id(address))
        assert (alias.status, alias.email, alias.moved_to) == (MOVED, "", keyed), address
        if address in left or address == raced:
            assert (now.status, now.reason[:6]) == (UNSUBSCRIBED, "reader"), address  # their choice moved with them
        else:
            moved = {"subscriber_id": keyed, "moved_from": legacy_subscriber_id(address), "moved_on": now.moved_on}
            assert now == Subscriber(**{**vars(before), **moved}), address  # nothing lost
    live = [r for s in (ACTIVE, PENDING, UNSUBSCRIBED, COMPLAINED, LAPSED) for r in app.subscribers.with_status(s)]
    assert sorted(r.email for r in live) == sorted(READERS)  # one record per reader: nothing doubled
    assert cli.run(args) == 0 and json.loads(capsys.readouterr().out)["seen"] == 0  # idempotent


def test_old_links_and_ses_tags_reach_moved_readers(app, stack):
    _seed(app)
    from digest.services.subscriber_ids import migrate_ids

    assert app.call(migrate_ids).moved == len(READERS)
    secret, active, pending = app.signing_secret, READERS[0], READERS[3]
    old_unsubscribe = make_token(secret, UNSUBSCRIBE, legacy_subscriber_id(active))
    assert app.subscriptions.account.view(old_unsubscribe).status == ACTIVE
    assert app.subscriptions.confirm(make_token(secret, CONFIRM, legacy_subscriber_id(pending))).ok
    assert app.subscribers.get(app.subscriber_ids.of(pending)).status == ACTIVE
    assert app.feedback.handle(_complaint(legacy_subscriber_id(active))).changed
    assert app.subscribers.get(app.subscriber_ids.of(active)).status == COMPLAINED
    assert app.subscriptions.account.unsubscribe(old_unsubscribe)  # a complaint stays a complaint
    assert app.subscribers.get(app.subscriber_ids.of(active)).status == COMPLAINED


def test_a_complained_reader_comes_back_only_by_confirming_a_link_issued_after_the_complaint(app, stack):
    address = "returning@example.org"
    sid = app.subscriber_ids.of(address)
    app.subscribers.put(Subscriber(sid, address, PENDING, "paid", updated_at=app.clock.now().isoformat()))
    old = make_token(app.signing_secret, CONFIRM, sid, issued_at=int(app.clock.now().timestamp()))
    app.clock.advance(hours=1)
    assert app.feedback.handle(_complaint(sid)).changed
    app.clock.advance(hours=1)
    for n in range(3):  # hours apart: one confirmation, the others answered alike and not sent
        assert app.subscriptions.subscribe(address, client=f"198.51.100.{n + 1}").ok
        app.clock.advance(hours=10)
    (confirmation,) = messages_to(stack, address)
    assert app.subscribers.get(sid).status == COMPLAINED  # suppressed until they confirm
    assert not app.subscriptions.check_confirmation(old).ok
    assert not app.subscriptions.confirm(old).ok and app.subscribers.get(sid).status == COMPLAINED
    new = re.search(r"/confirm/(\S+)", text_of(confirmation)).group(1)
    assert app.subscriptions.confirm(new).ok
    back = app.subscribers.get(sid)
    assert (back.status, back.plan) == (ACTIVE, "paid")
    assert [m["Subject"] for m in messages_to(stack, address)][-1] == "Welcome to Morning Digest"
