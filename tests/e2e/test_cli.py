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
        "stories",
        "title",
        "rebuild",
        "preview",
        "approve",
        "hold",
        "release",
        "send",
        "test-send",
        "resend-failures",
        "audit",
        "reads",
        "cost",
        "feeds check",
        "story edit",
        "subscribers add",
        "subscribers search",
        "subscribers export",
        "subscribers import",
        "subscribers remove",
        "subscribers migrate-ids",
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
    assert "Listen to Today" not in edition  # no audio yet: the preview is the variant a send now uses
    lead = json.loads(digest(served, "status", day, "--json").stdout)
    assert lead["variant"] == "email-noaudio"
    stories = json.loads(digest(served, "stories", day, "--json").stdout)["stories"]
    story = digest(served, "story", "edit", day, stories[0]["id"], "--headline", "Lisbon government falls")
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
    assert again.returncode == 1 and "cannot send twice" in again.stderr
    assert "digest story edit" in again.stderr and "'correct'" not in again.stderr

    table = digest(served, "status", day).stdout
    assert f"edition {day}: sent" in table
    audit = digest(served, "audit", day).stdout
    for action in ("story edit", "hold", "approve", "release", "send"):
        assert action in audit
    rows = audit.splitlines()[1:]
    assert rows and all("user/local-editor" in row for row in rows)  # the name part, never cut from the left
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d E[SD]T ", row) for row in rows), rows[:2]
    counts = json.loads(digest(served, "subscribers", "count", "--json").stdout)
    assert counts["active"] == 5
    cost = json.loads(digest(served, "cost", day, "--subscribers", "100000", "--json").stdout)
    assert 5 < cost["total_usd"] < 100
    assert "total for the edition of " + day in digest(served, "cost").stdout  # no date: the newsroom's
    real = json.loads(digest(served, "cost", day, "--json").stdout)
    assert real["subscribers"] == 5 and "active subscribers" in real["subscribers_from"]


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


def _site(folder: Path, key: str) -> str:
    """An object of the local stack's archive bucket (the web copy readers see)."""
    state = json.loads((folder / ".digest/local.json").read_text())
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=state["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return s3.get_object(Bucket=state["env"]["ARCHIVE_BUCKET"], Key=key)["Body"].read().decode("utf-8")


def _day(folder: Path) -> str:
    """The edition date of the fixture's pinned instant (its clock runs on: past midnight, today moves)."""
    return edition_day(datetime.fromisoformat((folder / "now").read_text()), "America/New_York").isoformat()


def test_story_ids_are_listed_and_a_mistyped_one_is_refused_with_the_closest(served):
    day = _day(served)
    table = digest(served, "stories", day)
    assert table.returncode == 0, table.stderr
    rows = json.loads(digest(served, "stories", day, "--json").stdout)["stories"]
    lead = rows[0]["id"]
    assert all(r["id"] in table.stdout for r in rows) and rows[0]["headline"][:40] in table.stdout
    typo = lead[:-1] + ("x" if lead[-1] != "x" else "y")
    note = "An earlier version of this story misstated the vote."
    wrong = digest(served, "story", "edit", day, typo, "--drop", "--note", note)
    assert wrong.returncode == 1 and f"did you mean {lead}" in wrong.stderr and "digest stories" in wrong.stderr
    as_json = digest(served, "story", "edit", day, typo, "--drop", "--note", note, "--json")
    error = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and lead in error["suggestions"] and error["http_status"] == 404
    audit = json.loads(digest(served, "audit", day, "--json").stdout)["entries"]
    assert [e["outcome"] for e in audit if typo in e["detail"]] == ["refused", "refused"]
    assert typo not in json.dumps(json.loads(digest(served, "stories", day, "--json").stdout))  # never stored


def test_errors_are_json_with_json_and_dates_say_their_form(served):
    bad = digest(served, "status", "12/01/2026", "--json")
    assert bad.returncode == 2 and "YYYY-MM-DD" in json.loads(bad.stdout)["error"]
    future = digest(served, "approve", "2099-01-01", "--json")
    assert future.returncode == 1 and "in the future" in json.loads(future.stdout)["error"]
    undo = digest(served, "story", "edit", "2026-11-28", "ap-1", "--undo", "--json")
    assert undo.returncode == 2 and "--undo goes with --drop" in json.loads(undo.stdout)["error"]


def test_a_correction_needs_the_editors_note_and_the_web_copy_shows_it(served):
    day = _day(served)  # sent by the morning above
    lead = json.loads(digest(served, "stories", day, "--json").stdout)["stories"][0]["id"]
    help_text = digest(served, "story", "edit", "--help").stdout
    assert "An earlier version of this story misstated" in help_text
    bare = digest(served, "story", "edit", day, lead, "--summary", "Parliament voted 121 to 104.")
    assert bare.returncode == 1 and "--note" in bare.stderr and "An earlier version" in bare.stderr
    note = "An earlier version of this story misstated the vote count."
    fixed = digest(served, "story", "edit", day, lead, "--summary", "Parliament voted 121 to 104.", "--note", note)
    assert fixed.returncode == 0, fixed.stderr
    page = _site(served, f"site/{day}/index.html")
    assert note in page and "[-" not in page and "{+" not in page


def test_serve_shows_the_emails_the_local_ses_accepted(served):
    log = (served / "serve.log").read_text()
    mail = json.loads((served / ".digest/local.json").read_text())["mail"]
    assert f"emails the local SES accepts: {mail}" in log
    import urllib.request

    def listing() -> str:
        with urllib.request.urlopen(mail, timeout=30) as reply:
            return reply.read().decode()

    deadline = time.monotonic() + 60  # the local event source sends the queued batches meanwhile
    while "Emails the local SES accepted (5)" not in listing() and time.monotonic() < deadline:
        time.sleep(1)
    assert "Emails the local SES accepted (5)" in listing()
    with urllib.request.urlopen(mail + "/1", timeout=30) as reply:
        assert "<html" in reply.read().decode().lower()


def test_serve_removes_its_state_file_when_terminated(tmp_path):
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [DIGEST, "serve", "--port", str(_free_port())], cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 90
    while "press Ctrl-C" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("digest serve did not start:\n" + log.read_text())
        time.sleep(0.3)
    assert (tmp_path / ".digest/local.json").exists()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert not (tmp_path / ".digest/local.json").exists(), "a terminated serve leaves no state file behind"
