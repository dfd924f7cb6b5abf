"""``digest subscribers search|export|import|remove``: the admins' list commands, through the
editor API (IAM-signed, so each is audited with the caller's identity, as the desk's are)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from digest_tools.cli.client import Target, UsageError, call, download, resolve

COMMANDS = ("search", "export", "import", "remove")


def add_parsers(subs_commands: argparse._SubParsersAction, raw: Any, add_target: Any) -> None:
    """The four subcommands beside ``add`` and ``count`` (``raw`` makes a parser that keeps the
    epilog's line breaks; ``add_target`` adds --stack, --region and --json)."""
    search = raw(
        subs_commands,
        "search",
        help="find subscribers by a part of their address",
        epilog="examples:\n  digest subscribers search example.org\n  digest subscribers search ada@ --limit 10 --json",
    )
    search.add_argument("query", help="a part of the address (at least 2 characters, any case)")
    search.add_argument("--limit", type=int, default=50, help="at most this many (1-200, default 50)")
    export = raw(
        subs_commands,
        "export",
        help="write every subscriber as CSV",
        epilog="examples:\n  digest subscribers export -o subscribers.csv\n  digest subscribers export > list.csv",
    )
    export.add_argument("-o", "--out", type=Path, help="file to write (default: standard output)")
    imp = raw(
        subs_commands,
        "import",
        help="invite the addresses of a CSV file (each gets a confirmation email; none is made active)",
        description=_wrap(
            "Read a CSV file (a column headed email, else the first column) and send each new, "
            "valid address the normal confirmation email: it stays pending until the reader confirms. "
            "Addresses already on the list, suppressed ones (bounced, complained) and invalid rows are "
            "reported and left alone. At most 1,000 addresses per import."
        ),
        epilog="examples:\n  digest subscribers import readers.csv\n  cat readers.csv | digest subscribers import - --json",
    )
    imp.add_argument("file", help="CSV file, or - for standard input")
    remove = raw(
        subs_commands,
        "remove",
        help="delete a subscriber's personal data",
        description=_wrap(
            "Delete a subscriber's record. A reader who bounced or complained keeps a record "
            "with the status only (no address), so no later import mails them by mistake."
        ),
        epilog="examples:\n  digest subscribers remove reader@example.org --yes\n"
        "  digest subscribers remove sub-0123456789abcdef0123456789abcdef --yes --json",
    )
    remove.add_argument("who", help="the subscriber's address or id (sub-...)")
    remove.add_argument("--yes", action="store_true", help="confirm: the record cannot be brought back")
    for sub in (search, export, imp, remove):
        add_target(sub)


def _wrap(text: str) -> str:
    import textwrap

    return textwrap.fill(text, 88)


def run(args: argparse.Namespace) -> int:
    target = resolve(args.stack, args.region)
    command = args.subscribers_command
    if command == "search":
        return _search(args, target)
    if command == "export":
        return _export(args, target)
    if command == "import":
        return _import(args, target)
    return _remove(args, target)


def _search(args: argparse.Namespace, target: Target) -> int:
    if not 1 <= args.limit <= 200:
        raise UsageError(f"--limit must be from 1 to 200, got {args.limit}")
    reply = call(target, "GET", "/subscribers?" + urlencode({"q": args.query, "limit": args.limit}))
    if args.json:
        print(json.dumps(reply, indent=2, ensure_ascii=False))
        return 0
    for r in reply["results"]:
        print(f"{r['subscriber_id']}  {r['email']:<40} {r['status']:<13} {r['plan']}")
    shown = len(reply["results"])
    more = " (more match: narrow the search or raise --limit)" if reply["truncated"] else ""
    print(f"{shown} subscriber{'s' if shown != 1 else ''} matching {reply['query']!r}{more}", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace, target: Target) -> int:
    offered = call(target, "POST", "/subscribers/export")
    text = download(offered["url"])
    rows = offered["readers"]
    if args.out is None:
        sys.stdout.write(text)
        return 0
    args.out.write_text(text, encoding="utf-8", newline="")
    print(json.dumps({"out": str(args.out), "rows": rows}) if args.json else f"wrote {rows} subscribers to {args.out}")
    return 0


def _import(args: argparse.Namespace, target: Target) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {args.file}: {exc}") from exc
    reply = call(target, "POST", "/subscribers/import", {"csv": text})
    if args.json:
        print(json.dumps(reply, indent=2, ensure_ascii=False))
        return 0
    print(f"invited {reply['invited']} (a confirmation email each; pending until they confirm)")
    print(f"already on the list {reply['existing']}, suppressed (bounced or complained) {reply['suppressed']}")
    if reply.get("repeated"):
        print(f"repeated in the file {reply['repeated']}")
    if reply.get("over_cap"):
        print(f"not imported, past the cap of {reply['cap']:,}: {reply['over_cap']} (import them in another file)")
    for row in reply["invalid"]:
        print(f"row {row['row']}: {row['value']!r}: {row['problem']}")
    return 0


def _remove(args: argparse.Namespace, target: Target) -> int:
    if not args.yes:
        raise UsageError(f"removing {args.who} deletes their personal data for good: add --yes to confirm")
    sid = args.who.strip()
    if "@" in sid:  # an address: find its id among the exact matches of a search
        found = call(target, "GET", "/subscribers?" + urlencode({"q": sid.lower(), "limit": 200}))["results"]
        exact = [r["subscriber_id"] for r in found if r["email"] == sid.lower()]
        if not exact:
            raise UsageError(f"no subscriber with the address {sid!r} (try `digest subscribers search`)")
        sid = exact[0]
    reply = call(target, "POST", f"/subscribers/{quote(sid, safe='')}/remove", {})
    if args.json:
        print(json.dumps(reply, indent=2))
    else:
        kept = "; their suppression is kept (no address)" if reply["suppression_kept"] else ""
        print(f"removed {reply['subscriber_id']} (was {reply['was']}){kept}")
    return 0
