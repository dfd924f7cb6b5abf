"""Editor and operator commands: status, stories, rebuild, story edit, title, preview, approve, hold,
release, send, test-send, resend-failures, audit. Each goes through the editor API (signed, audited).

Without a date a command acts on ``today``, which the API resolves to the newsroom's current edition
date (its clock and time zone) and names in its reply. Long actions (rebuild, story edit, test-send,
send, resend-failures) run asynchronously: the command waits with a progress line on stderr, then
prints the result; ``--no-wait`` prints the action's id and status URL instead.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from digest_tools.cli import tables
from digest_tools.cli.client import Target, UsageError, call, request, resolve, wait_for_action
from digest_tools.cli.progress import Progress

TODAY = "today"
LONG = ("rebuild", "story", "title", "test-send", "send", "resend-failures")  # answered 202, run asynchronously
NOTE_HELP = (
    "the correction note readers see on the web copy, required once the edition was sent, "
    "e.g. 'An earlier version of this story misstated ...'"
)

EXAMPLES = {
    "status": "digest status 2026-11-28\n  digest status --json --stack morning-digest-prod",
    "stories": "digest stories 2026-11-28   (ids to use with `digest story edit`)\n  digest stories --json",
    "rebuild": "digest rebuild 2026-11-28 --note 'Updated death toll'\n  digest rebuild --no-wait   (today's edition; "
    "prints the action id and its status URL)",
    "preview": "digest preview 2026-11-28 --out preview.html   (and preview.png when Chromium is installed)",
    "approve": "digest approve 2026-11-28",
    "hold": "digest hold 2026-11-28 --reason 'Waiting for the verdict'",
    "release": "digest release 2026-11-28",
    "send": "digest send   (the newsroom's current edition; waits, showing the action's state)",
    "test-send": "digest test-send 2026-11-28 --to editor@news.example.org",
    "resend-failures": "digest resend-failures 2026-11-28   (add --unknown resend to re-send unknown outcomes)",
    "audit": "digest audit 2026-11-28",
}


def edition_date(text: str) -> str:
    """An edition date argument: YYYY-MM-DD or ``today`` (checked here, before any request)."""
    try:
        if text == TODAY or (re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) and date.fromisoformat(text)):
            return text
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(
        f"not an edition date: {text!r} (expected YYYY-MM-DD, e.g. 2026-11-28, or {TODAY})"
    )


def add_date(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "date",
        nargs="?",
        type=edition_date,
        default=TODAY,
        help="edition date, YYYY-MM-DD (default: the newsroom's current edition date)",
    )


def add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", help="deployed stack name (default: the local stack of `digest serve`)")
    parser.add_argument("--region", help="AWS region of the deployed stack")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def add_parsers(commands: argparse._SubParsersAction) -> None:
    for name, help_text in [
        ("status", "the edition's state, versions, diff, delivery counts and stories"),
        ("stories", "the edition's stories: ids, headlines, agencies, state"),
        ("rebuild", "build the edition again (a correction once it was sent)"),
        ("preview", "write the email HTML (and a PNG screenshot)"),
        ("approve", "approve the edition for sending"),
        ("hold", "hold the edition with a reason"),
        ("release", "release a held edition back to draft"),
        ("send", "send now (ignores the window)"),
        ("test-send", "send a test copy to given addresses (no ledger)"),
        ("resend-failures", "send again to recipients whose delivery failed"),
        ("audit", "who did what to the edition"),
    ]:
        sub = commands.add_parser(
            name,
            help=help_text,
            description=help_text.capitalize() + ".",
            epilog="example:\n  " + EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        add_date(sub)
        add_target(sub)
        if name in LONG:
            _add_no_wait(sub)
        if name == "rebuild":
            sub.add_argument("--note", help=NOTE_HELP)
        if name == "hold":
            sub.add_argument("--reason", required=True)
        if name == "test-send":
            sub.add_argument("--to", action="append", required=True, metavar="ADDR")
        if name == "preview":
            sub.add_argument("--out", default="preview.html")
        if name == "resend-failures":
            sub.add_argument(
                "--unknown",
                choices=("keep", "resend"),
                default="keep",
                help="outcomes SES never reported: keep them listed in `digest status` (default), or re-send "
                "them, accepting that a reader whose email SES did take gets the edition twice",
            )
    story = commands.add_parser("story", help="edit a story of an edition")
    story_commands = story.add_subparsers(dest="story_command", metavar="SUBCOMMAND", required=True)
    edit = story_commands.add_parser(
        "edit",
        help="change a story's headline, summary, pin, drop or position, then rebuild",
        description="Change one story, then rebuild. An approved edition stays approved when only the "
        "story's headline or summary changed; a drop, pin or move needs a new approval. Once the edition "
        "was sent a change is a correction: write the note readers see with --note.",
        epilog="examples:\n  digest stories 2026-11-28   (the story ids)\n"
        "  digest story edit 2026-11-28 ap-3f2a --headline 'Quake toll rises to 11'\n"
        "  digest story edit 2026-11-28 afp-91c0 --drop\n"
        "  digest story edit 2026-11-28 afp-91c0 --drop --undo   (restore it)\n"
        "  digest story edit 2026-11-28 ap-3f2a --summary '...' \\\n"
        "      --note 'An earlier version of this story misstated the death toll.'   (after sending)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_date(edit)
    edit.add_argument("story", help="the story's id (see `digest stories`)")
    edit.add_argument("--headline")
    edit.add_argument("--summary")
    edit.add_argument("--pin", action="store_true", default=None)
    edit.add_argument("--drop", action="store_true", default=None)
    edit.add_argument("--position", type=int)
    edit.add_argument("--undo", action="store_true", help="with --drop or --pin: restore or unpin the story")
    edit.add_argument("--note", help=NOTE_HELP)
    edit.add_argument("--correction", action="store_true", help=argparse.SUPPRESS)  # implied by --note
    add_target(edit)
    _add_no_wait(edit)
    title = commands.add_parser(
        "title",
        help="set the edition's title (the email's subject and the top of the edition)",
        description="Set the edition's title, then rebuild. Without a title (or with '') the subject is "
        "the top story's headline. An approved edition stays approved.",
        epilog="examples:\n  digest title 2026-11-28 'The day the ground shook'\n  digest title 2026-11-28 ''",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_date(title)
    title.add_argument("title")
    title.add_argument("--note", help=NOTE_HELP)
    add_target(title)
    _add_no_wait(title)


def _add_no_wait(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-wait", action="store_true", help="print the action's id and status URL instead of waiting for it to end"
    )


def run(args: argparse.Namespace) -> int:
    target = resolve(args.stack, args.region)
    day, command = args.date, args.command
    base = f"/editions/{day}"
    if command == "status":
        return _show(args, call(target, "GET", base), tables.status_table)
    if command == "stories":
        return _show(args, call(target, "GET", f"{base}/stories"), tables.stories_table)
    if command == "preview":
        return _preview(target, base, Path(args.out))
    if command == "audit":
        return _show(args, call(target, "GET", f"{base}/audit"), tables.audit_table)
    if command == "story":
        return _act(args, target, f"{base}/stories/{quote(args.story, safe='')}", _story_fields(args))
    if command == "title":
        return _act(args, target, f"{base}/title", {"title": args.title, "note": args.note})
    bodies: dict[str, dict[str, Any]] = {
        "rebuild": {"note": getattr(args, "note", None)},
        "hold": {"reason": getattr(args, "reason", "")},
        "test-send": {"to": getattr(args, "to", None)},
        "resend-failures": {"unknown": getattr(args, "unknown", "keep")},
    }
    return _act(args, target, f"{base}/{command}", bodies.get(command, {}))


def _story_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The story edit's request: ``--undo`` turns ``--drop`` / ``--pin`` into restore / unpin."""
    if args.undo and not (args.drop or args.pin):
        raise UsageError("--undo goes with --drop (restore the story) or --pin (unpin it)")
    fields = {
        k: getattr(args, k)
        for k in ("headline", "summary", "pin", "drop", "position")
        if getattr(args, k) not in (None, False)
    }
    for flag in ("drop", "pin"):
        if args.undo and flag in fields:
            fields[flag] = False
    if not fields:
        raise UsageError("say what to change: --headline, --summary, --pin, --drop or --position")
    return {**fields, "correction": bool(args.correction or args.note), "note": args.note}


def _act(args: argparse.Namespace, target: Target, path: str, body: dict[str, Any]) -> int:
    """POST an action; a started one (202) is waited for, or just named with ``--no-wait``."""
    status, reply = request(target, "POST", path, body)
    if status != 202:
        return _show(args, reply)
    if getattr(args, "no_wait", False):
        url = target.api.rstrip("/") + reply["status_url"]
        print(json.dumps({**reply, "status_url": url}, indent=2) if args.json else f"{reply['action']} {url}")
        return 0
    try:
        result = wait_for_action(target, reply, Progress(sys.stderr))
    except KeyboardInterrupt:
        print(f"\nstopped waiting; the action goes on: {target.api.rstrip('/')}{reply['status_url']}", file=sys.stderr)
        raise
    return _show(args, result)


def _show(args: argparse.Namespace, reply: Any, table=None) -> int:
    if args.json or table is None:
        print(json.dumps(reply, indent=2, ensure_ascii=False))
    else:
        table(reply)
    return 0


def _preview(target: Target, base: str, out: Path) -> int:
    out.write_text(call(target, "GET", f"{base}/preview"), encoding="utf-8")
    print(f"wrote {out}")
    from digest.adapters.browser import find_chromium, screenshot

    if find_chromium():
        png = screenshot(out.resolve(), out.with_suffix(".png"))
        print(f"wrote {png}")
    else:
        print("Chromium is not installed: no PNG (scripts/system-deps.sh installs it)", file=sys.stderr)
    return 0
