"""The command line's own traps, without a stack: undo, JSON errors, the audit table, the mail view."""

from __future__ import annotations

import json

import pytest

from digest_tools.cli import editor, main, tables
from digest_tools.cli.client import UsageError
from digest_tools.local.mailview import PATH, mail_handler


def _edit(*args: str):
    return main.parser().parse_args(["story", "edit", "2026-11-28", "ap-3f2a", *args])


def test_undo_restores_a_dropped_story_and_unpins_a_pinned_one():
    assert editor._story_fields(_edit("--drop", "--undo"))["drop"] is False
    assert editor._story_fields(_edit("--pin", "--undo"))["pin"] is False
    assert editor._story_fields(_edit("--drop"))["drop"] is True
    with pytest.raises(UsageError, match="--undo goes with --drop"):
        editor._story_fields(_edit("--undo"))
    with pytest.raises(UsageError, match="say what to change"):
        editor._story_fields(_edit())


def test_a_note_makes_the_edit_a_correction():
    fields = editor._story_fields(_edit("--summary", "Eleven died.", "--note", "An earlier version misstated it."))
    assert fields["correction"] is True and fields["note"] == "An earlier version misstated it."


def test_with_json_every_error_is_a_json_object_on_stdout(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main.main(["status", "12/01/2026", "--json"])
    assert stopped.value.code == 2
    error = json.loads(capsys.readouterr().out)
    assert "expected YYYY-MM-DD" in error["error"] and error["status"] == 2
    assert main.main(["status", "--json"]) == 1  # no local stack here
    error = json.loads(capsys.readouterr().out)
    assert "digest serve" in error["error"] and error["status"] == 1
    main.Parser.json_errors = False


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        (["sned"], "invalid choice: 'sned': did you mean 'send'?"),
        (["subscribers", "exprot"], "invalid choice: 'exprot': did you mean 'export'?"),
        (["send", "--no-wiat"], "unrecognized arguments: --no-wiat: did you mean --no-wait?"),
        (["subscribers", "export", "--ot", "x.csv"], "unrecognized arguments: --ot x.csv: did you mean --out?"),
    ],
)
def test_a_typo_names_the_command_or_option_it_resembles(capsys, typed, hint):
    with pytest.raises(SystemExit) as stopped:
        main.parser().parse_args(typed)
    assert stopped.value.code == 2 and capsys.readouterr().err.rstrip().endswith(hint)


def test_a_guess_comes_only_from_the_command_typed_and_only_when_close(capsys):
    for typed in (["demo", "--no-wiat"], ["zzz"]):  # demo has no --no-wait; nothing resembles zzz
        with pytest.raises(SystemExit):
            main.parser().parse_args(typed)
        assert "did you mean" not in capsys.readouterr().err


def test_the_audit_table_shows_the_callers_name_and_the_newsrooms_time(capsys):
    actor = "arn:aws:sts::123456789012:assumed-role/NewsroomEditors/maria.lopez@news.example.org"
    entry = {"at": "2026-12-02T00:38:12.123456+00:00", "actor": actor, "action": "story edit", "version": 2}
    tables.audit_table(
        {"timezone": "America/New_York", "entries": [{**entry, "outcome": "refused", "detail": "no story"}]}
    )
    row = capsys.readouterr().out.splitlines()[1]
    assert row.startswith("2026-12-01 19:38:12 EST") and "NewsroomEditors/maria.lopez@news.example.org" in row
    assert ".123456" not in row and "refused" in row


def test_the_local_mail_view_lists_and_renders_what_ses_accepted():
    raw = (
        "Subject: Morning Digest: Quake\nTo: a@example.org\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="b"\n\n--b\nContent-Type: text/plain\n\nplain\n'
        "--b\nContent-Type: text/html\n\n<p>rendered</p>\n--b--\n"
    )
    view = mail_handler(lambda: [{"raw_data": raw, "destinations": ["a@example.org"]}])
    listing = view({"pathParameters": {}}, None)
    assert (
        listing["statusCode"] == 200 and "Morning Digest: Quake" in listing["body"] and f"{PATH}/1" in listing["body"]
    )
    assert "<p>rendered</p>" in view({"pathParameters": {"n": "1"}}, None)["body"]
