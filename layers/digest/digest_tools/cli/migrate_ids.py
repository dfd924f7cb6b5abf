"""``digest subscribers migrate-ids [--dry-run]``: move the records made under legacy (unkeyed)
subscriber ids to their keyed ids (:mod:`digest.services.subscriber_ids`), on the local stack or a
deployed one (``--stack``), with the caller's own AWS credentials."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import Any

from digest_tools.cli.client import resolve

COMMAND = "migrate-ids"


def add_parser(subs_commands: argparse._SubParsersAction, raw: Any, add_target: Any) -> None:
    """The subcommand beside ``add`` and ``count`` (``raw`` keeps the epilog's line breaks;
    ``add_target`` adds --stack, --region and --json)."""
    migrate = raw(
        subs_commands,
        COMMAND,
        help="move subscribers from legacy ids to keyed ids (safe to stop and run again)",
        description=textwrap.fill(
            "Move every subscriber record made under a legacy id (an unkeyed hash of the address) to "
            "its keyed id, leaving an alias under the old id (no address) so links and SES events that "
            "carry it still reach the reader. Each move is one conditional transaction: a run stopped "
            "at any point loses nothing, and running it again finishes the rest."
        ),
        epilog="examples:\n  digest subscribers migrate-ids --dry-run\n"
        "  digest subscribers migrate-ids --stack morning-digest-prod --json",
    )
    migrate.add_argument("--dry-run", action="store_true", help="count what would move; write nothing")
    add_target(migrate)


def run(args: argparse.Namespace) -> int:
    """Run the migration; exit 1 when records are left (conflicts, or records that kept changing)."""
    from digest.services.subscriber_ids import migrate_ids
    from digest_tools.cli.ops import container_for

    app = container_for(resolve(args.stack, args.region))

    def progress(report: Any) -> None:
        if report.seen % 100 == 0:
            print(f"  {report.seen} legacy records seen, {report.moved} moved", file=sys.stderr, flush=True)

    report = app.call(migrate_ids, dry_run=args.dry_run, progress=progress)
    counts = {**vars(report), "dry_run": args.dry_run, "complete": report.complete}
    if args.json:
        print(json.dumps(counts))
    else:
        verb = "would move" if args.dry_run else "moved"
        moved = report.would_move if args.dry_run else report.moved
        print(
            f"{report.seen} legacy records: {moved} {verb}, {report.done} moved before, {report.gone} gone, "
            f"{report.no_address} without an address (kept), {report.conflicts} conflicts, {report.busy} busy"
        )
    return 0 if report.complete or args.dry_run else 1
