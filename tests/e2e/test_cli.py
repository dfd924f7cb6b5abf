"""The editor's morning through the CLI, against `digest serve` as an editor would run it."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from digest.core.schedule import edition_day
from tests.conftest import INSTANTS

DIGEST = str(Path(sys.executable).parent / "digest")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=["00:30 UTC", "23:59 New York"])
def served(tmp_path_factory, request):
    """``digest serve --demo-data`` with its clock started at an awkward instant (DIGEST_NOW)."""
    folder = tmp_path_factory.mktemp("newsroom")
    log = folder / "serve.log"
    (folder / "now").write_text(INSTANTS[request.param].isoformat())
    with open(log, "w") as out:
        process = subprocess.Popen(
            [DIGEST, "serve", "--port", str(_free_port()), "--demo-data"],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_env(folder),
        )
    deadline = time.monotonic() + 90
    while "press Ctrl-C" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("digest serve did not start:\n" + log.read_text())
        time.sleep(0.3)
    yield folder
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    assert not (folder / ".digest/local.json").exists(), "serve removes its state file when it stops"


def _env(folder: Path) -> dict[str, str]:
    pinned = folder / "now"
    return {**os.environ, "DIGEST_NOW": pinned.read_text()} if pinned.exists() else dict(os.environ)


def digest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([DIGEST, *args], cwd=folder, capture_output=True, text=True, timeout=120, env=_env(folder))


def test_every_command_has_help_with_an_example(tmp_path):
    commands = [
        "demo",
        "serve",
        "status",
        "rebuild",
        "preview",
        "approve",
        "hold",
        "release",
        "send",
        "test-send",
        "resend-failures",
        "audit",
        "cost",
        "feeds check",
        "story edit",
        "subscribers add",
    ]
    for command in commands:
        run = digest(tmp_path, *command.split(), "--help")
        assert run.returncode == 0 and "example" in run.stdout, command


def test_commands_without_a_local_stack_say_how_to_start_one(tmp_path):
    run = digest(tmp_path, "status")
    assert run.returncode == 1 and "digest serve" in run.stderr


def test_the_editors_morning_through_the_cli(served):
    status = json.loads(digest(served, "status", "--json").stdout)
    assert status["status"] == "draft" and status["version"] == 1, status
    day = status["edition_date"]
    assert day == edition_day(datetime.fromisoformat((served / "now").read_text()), "America/New_York").isoformat()
    snapshot = digest(served, "preview", day, "--out", "today.html")
    assert snapshot.returncode == 0 and (served / "today.html").read_text().startswith("<!DOCTYPE html>")

    edition = (served / "today.html").read_text()
    assert "Listen to Today" in edition
    lead = json.loads(digest(served, "status", "--json").stdout)
    story = digest(served, "story", "edit", day, _lead_cluster(served, day), "--headline", "Lisbon government falls")
    assert story.returncode == 0, story.stderr
    assert json.loads(story.stdout)["version"] == lead["version"] + 1

    held = digest(served, "hold", day, "--reason", "legal review")
    assert held.returncode == 0
    refused = digest(served, "approve", day)
    assert refused.returncode == 1 and "cannot approve a held edition" in refused.stderr
    assert digest(served, "release", day).returncode == 0
    assert digest(served, "approve", day).returncode == 0
    sent = digest(served, "send", day, "--json")
    assert sent.returncode == 0, sent.stderr
    assert sent.returncode == 0 and json.loads(sent.stdout)["recipients"] == 5
    progress = sent.stderr.splitlines()  # not a terminal: one plain line per state
    assert re.fullmatch(rf"send {day} \(a[0-9a-f]{{20}}\): queued, \d+ s", progress[0]), progress
    assert re.fullmatch(rf"send {day} \(a[0-9a-f]{{20}}\): done, \d+ s", progress[-1]), progress
    again = digest(served, "send", day)
    assert again.returncode == 1 and f"send of {day} was refused: cannot send twice" in again.stderr

    table = digest(served, "status", day).stdout
    assert f"edition {day}: sent" in table
    audit = digest(served, "audit", day).stdout
    for action in ("story edit", "hold", "approve", "release", "send"):
        assert action in audit
    counts = json.loads(digest(served, "subscribers", "count", "--json").stdout)
    assert counts["active"] == 5
    cost = json.loads(digest(served, "cost", day, "--subscribers", "100000", "--json").stdout)
    assert 5 < cost["total_usd"] < 100
    assert "total for the edition of " + day in digest(served, "cost").stdout  # no date: the newsroom's


def test_no_wait_names_the_action_and_dates_are_the_newsrooms(served):
    day = json.loads(digest(served, "status", "--json").stdout)["edition_date"]  # no date: the server's today
    started = digest(served, "rebuild", "--no-wait")
    assert started.returncode == 0, started.stderr
    action, url = started.stdout.split()
    assert url.startswith("http://127.0.0.1:") and url.endswith(f"/editions/{day}/actions/{action}")
    malformed = digest(served, "rebuild", "12/01/2026")
    assert malformed.returncode == 2 and "expected YYYY-MM-DD" in malformed.stderr
    future = digest(served, "rebuild", "2099-01-01")
    assert future.returncode == 1 and "2099-01-01 is in the future" in future.stderr


def _lead_cluster(folder: Path, day: str) -> str:
    state = json.loads((folder / ".digest/local.json").read_text())
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=state["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    body = s3.get_object(Bucket=state["env"]["ARCHIVE_BUCKET"], Key=f"editions/{day}/v0001/edition.json")["Body"]
    return json.loads(body.read())["lead"]["cluster_id"]
