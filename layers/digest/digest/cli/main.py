"""The ``digest`` command."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from digest.errors import DigestError

EPILOG = """\
examples:
  digest demo                          run the whole morning locally, write it to ./digest-out
  digest demo --out /tmp/edition --date 2026-11-28
  digest feeds check feed.xml https://example.org/rss.xml
"""


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="digest", description="Morning Digest: wire feeds in, a morning edition with audio out.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    demo = commands.add_parser(
        "demo", help="run the whole morning on a local AWS stand-in",
        description="Serve the bundled sample wire feeds over local HTTP, then ingest, assemble, narrate "
        "and send to the sample subscribers on an embedded local AWS endpoint (moto). Writes the edition "
        "(email HTML and text, web page, SSML, audio) and every sent email as .eml into --out.",
        epilog="example:\n  digest demo --out ./digest-out --date 2026-11-28",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--out", default="digest-out", help="output folder (default: ./digest-out)")
    demo.add_argument("--date", type=_day, default=None, help="edition date, YYYY-MM-DD (default: today)")

    feeds = commands.add_parser("feeds", help="work with wire feeds")
    feed_commands = feeds.add_subparsers(dest="feeds_command", metavar="SUBCOMMAND")
    feed_commands.required = True
    check = feed_commands.add_parser(
        "check", help="parse feeds without storing anything",
        description="Parse feed files or URLs and print one JSON object per line for each story "
        "(type=story) or problem (type=problem). A broken feed is data, not an error: the exit "
        "status is 0 unless the command itself is misused.",
        epilog="examples:\n  digest feeds check ap.xml afp.xml\n  digest feeds check https://example.org/rss.xml | jq .title",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("targets", nargs="+", metavar="PATH_OR_URL")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "demo":
            from digest.cli.demo import run_demo

            return run_demo(args.out, args.date)
        from digest.cli.feeds import check_feeds

        return check_feeds(args.targets, sys.stdout)
    except DigestError as exc:
        print(f"digest: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
