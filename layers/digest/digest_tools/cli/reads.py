"""``digest reads [DATE]``: how many opened an edition and clicked each story (counts only; the
stack's ``ReadTracking`` parameter turns SES open and click tracking on), through the editor API."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from digest_tools.cli.client import call, resolve

EPILOG = "examples:\n  digest reads\n  digest reads 2026-11-28 --json\n  digest reads --stack morning-digest-prod"


def add_parser(commands: argparse._SubParsersAction, raw: Any, add_date: Any, add_target: Any) -> None:
    """The ``reads`` command (``raw`` makes a parser that keeps the epilog's line breaks)."""
    reads = raw(
        commands,
        "reads",
        help="opens of an edition and clicks per story (never who)",
        description=textwrap.fill(
            "Show how many times an edition was opened and each of its stories clicked, as SES counts "
            "them with the stack's ReadTracking on. Only counts are kept, never who opened or clicked; "
            "they are approximate (repeated opens count, mail privacy proxies open for the reader).",
            88,
        ),
        epilog=EPILOG,
    )
    add_date(reads)
    add_target(reads)


def run(args: argparse.Namespace) -> int:
    reply = call(resolve(args.stack, args.region), "GET", f"/editions/{args.date}/reads")
    if args.json:
        print(json.dumps(reply, indent=2, ensure_ascii=False))
    else:
        print(table(reply))
    return 0


def table(reply: dict[str, Any]) -> str:
    """The reply as the terminal shows it.

    >>> print(table({"edition_date": "2026-11-28", "tracking": True, "opens": 7, "clicks": 3,
    ...     "stories": [{"id": "ap-1", "headline": "Quake", "clicks": 3}]}))
    2026-11-28: 7 opens, 3 clicks
    clicks  story  headline
         3  ap-1   Quake
    """
    lines = [f"{reply.get('edition_date', '')}: {reply['opens']} opens, {reply['clicks']} clicks"]
    if not reply.get("tracking"):
        lines.append("read tracking is off for this stack (deploy with ReadTracking=On to count opens and clicks)")
    stories = reply.get("stories") or []
    if stories:
        width = max(5, *(len(str(s["id"])) for s in stories))
        lines.append(f"clicks  {'story':<{width}}  headline")
        lines += [f"{s['clicks']:>6}  {s['id']:<{width}}  {s['headline']}".rstrip() for s in stories]
    return "\n".join(lines)
