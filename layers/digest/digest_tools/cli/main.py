"""The ``digest`` command."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from datetime import date
from pathlib import Path

from digest.errors import DigestError

EPILOG = """\
examples:
  digest demo                          run the whole morning locally, write it to ./digest-out
  digest serve --demo-data             a local stack with the public and editor APIs
  digest status                        the current edition (newsroom's date) on the local stack
  digest stories                       its stories and their ids
  digest send --no-wait                start sending; print the action id and its status URL
  digest story edit 2026-11-28 ap-3f2a --headline 'Quake toll rises'
  digest title 2026-11-28 'The day the ground shook'
  digest approve 2026-11-28 --stack morning-digest-prod
  digest feeds check feed.xml https://example.org/rss.xml
"""


class Parser(argparse.ArgumentParser):
    """argparse's parser; with ``--json`` anywhere on the command line its errors are a JSON object
    on stdout too (exit status 2), so scripts read every outcome the same way."""

    json_errors = False

    def error(self, message: str):  # type: ignore[override]
        if Parser.json_errors:
            print(json.dumps({"error": f"{self.prog}: {message}", "status": 2, "usage": self.format_usage().strip()}))
            sys.exit(2)
        super().error(message)

    def parse_args(self, args: list[str] | None = None, namespace: object = None) -> argparse.Namespace:  # type: ignore[override]
        """argparse's, with the command's own option that a mistyped one resembles named."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            options = _options(self, parsed)
            guess = next((c for e in extras for c in difflib.get_close_matches(e, options, n=1, cutoff=0.7)), "")
            self.error(f"unrecognized arguments: {' '.join(extras)}" + (f": did you mean {guess}?" if guess else ""))
        return parsed

    def _check_value(self, action: argparse.Action, value: object) -> None:
        """A mistyped command or choice names the one it resembles (argparse before 3.14 does not)."""
        choices = action.choices
        if choices is not None and value not in choices:
            close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
            if close:
                raise argparse.ArgumentError(action, f"invalid choice: {value!r}: did you mean {close[0]!r}?")
        super()._check_value(action, value)


def _options(parser: argparse.ArgumentParser, chosen: argparse.Namespace) -> list[str]:
    """The ``--options`` of the command that ``chosen`` names (its own and its parents')."""
    found: list[str] = []
    for action in parser._actions:
        found += [o for o in action.option_strings if o.startswith("--")]
        if isinstance(action, argparse._SubParsersAction) and getattr(chosen, action.dest, None) in action.choices:
            found += _options(action.choices[getattr(chosen, action.dest)], chosen)
    return found


def _fail(exc: DigestError, as_json: bool) -> int:
    """Report a failed command: on stderr, or as a JSON object on stdout with ``--json``."""
    from digest_tools.cli.client import ApiError, UsageError

    code = 2 if isinstance(exc, UsageError) else 1
    if as_json:
        reply = {"error": str(exc), "status": code}
        if isinstance(exc, ApiError):
            reply.update(http_status=exc.status, **{k: v for k, v in exc.payload.items() if k != "error"})
        print(json.dumps(reply, ensure_ascii=False))
    else:
        print(f"digest: error: {exc}", file=sys.stderr)
    return code


def _day(text: str) -> date:
    from digest_tools.cli.editor import TODAY, edition_date

    if text == TODAY:
        raise argparse.ArgumentTypeError("leave --date out for the newsroom's current edition date")
    return date.fromisoformat(edition_date(text))


def _raw(parser_factory, name: str, **kwargs) -> argparse.ArgumentParser:
    return parser_factory.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)


def parser() -> argparse.ArgumentParser:
    from digest_tools.cli import editor

    top = Parser(
        prog="digest",
        description="Morning Digest: wire feeds in, a morning edition with audio out.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = _raw(
        commands,
        "demo",
        help="run the whole morning on a local AWS stand-in",
        description="Serve the bundled sample wire feeds over local HTTP, then ingest, assemble, narrate "
        "and send to the sample subscribers on an embedded local AWS endpoint (moto). Writes the edition "
        "(email HTML and text, web page, SSML, audio, archive, feeds) and every sent email as .eml into --out.",
        epilog="examples:\n  digest demo --out ./digest-out --date 2026-11-28\n"
        "  digest demo --feeds ap.xml afp.xml https://example.org/rss.xml --date 2026-11-28 --out ./try",
    )
    demo.add_argument("--out", default="digest-out", help="output folder (default: ./digest-out)")
    demo.add_argument(
        "--feeds",
        nargs="+",
        metavar="FILE_OR_URL",
        help="run the morning on these feeds as they are (no date shifting) instead of the bundled samples; "
        "a feed that is not a configured source is named by its own title or author",
    )
    demo.add_argument(
        "--date",
        type=_day,
        default=None,
        help="edition date, YYYY-MM-DD (default: the newsroom's current edition date)",
    )

    serve = _raw(
        commands,
        "serve",
        help="run the local stack with the public and editor APIs",
        description="Start the local AWS stand-in and one HTTP server for the public subscription API "
        "and the editor API (routes from template.yaml; editor requests must be SigV4-signed, like IAM). "
        "Other digest commands in this folder then act on it.",
        epilog="example:\n  digest serve --port 8787 --demo-data",
    )
    serve.add_argument("--port", type=int, default=8787)
    serve.add_argument("--demo-data", action="store_true", help="load the sample subscribers, stories and edition")

    editor.add_parsers(commands)
    from digest_tools.cli import reads

    reads.add_parser(commands, _raw, editor.add_date, editor.add_target)

    subs = _raw(
        commands,
        "subscribers",
        help="add, count, search, export, import or remove subscribers",
        epilog="examples:\n  digest subscribers add reader@example.com --plan paid\n  digest subscribers count --json\n"
        "  digest subscribers search example.org\n  digest subscribers import readers.csv",
    )
    subs_commands = subs.add_subparsers(dest="subscribers_command", metavar="SUBCOMMAND", required=True)
    add = _raw(
        subs_commands,
        "add",
        help="add (or update) one subscriber",
        epilog="example:\n  digest subscribers add reader@example.com --plan paid --stack morning-digest-prod",
    )
    add.add_argument("email")
    add.add_argument("--plan", default="paid", choices=["trial", "paid", "student", "faculty", "complimentary"])
    add.add_argument("--status", default="active", choices=["active", "pending"])
    add.add_argument("--timezone", default="America/New_York")
    count = _raw(
        subs_commands, "count", help="subscribers by status", epilog="example:\n  digest subscribers count --json"
    )
    for sub in (add, count):
        editor.add_target(sub)
    from digest_tools.cli import migrate_ids

    migrate_ids.add_parser(subs_commands, _raw, editor.add_target)
    from digest_tools.cli import subscribers_admin

    subscribers_admin.add_parsers(subs_commands, _raw, editor.add_target)

    cost = _raw(
        commands,
        "cost",
        help="estimate an edition's AWS cost for a list size",
        epilog="example:\n  digest cost 2026-11-28 --subscribers 50000 --engine neural",
    )
    editor.add_date(cost)
    cost.add_argument(
        "--subscribers",
        type=int,
        default=None,
        help="list size to price (default: the active subscribers of the stack)",
    )
    cost.add_argument("--engine", default="neural", choices=["standard", "neural", "long-form", "generative"])
    editor.add_target(cost)

    from digest_tools.cli import queue

    queue.add_parser(commands)

    feeds = commands.add_parser("feeds", help="work with wire feeds")
    feed_commands = feeds.add_subparsers(dest="feeds_command", metavar="SUBCOMMAND", required=True)
    check = _raw(
        feed_commands,
        "check",
        help="parse feeds without storing anything",
        description="Parse feed files or URLs and print one JSON object per line for each story "
        "(type=story) or problem (type=problem). A broken feed is data, not an error: the exit "
        "status is 0 unless the command itself is misused.",
        epilog="examples:\n  digest feeds check ap.xml afp.xml\n  digest feeds check https://example.org/rss.xml",
    )
    check.add_argument("targets", nargs="+", metavar="PATH_OR_URL")
    check.add_argument("--json", action="store_true", help="JSON lines (always; accepted for symmetry)")
    for command in (demo, serve):
        command.add_argument("--json", action="store_true", help="print JSON for scripts")
    return top


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    Parser.json_errors = "--json" in argv
    args = parser().parse_args(argv)
    try:
        if args.command == "demo":
            from digest_tools.cli.demo import run_demo

            if not args.json:
                return run_demo(args.out, args.date, args.feeds)
            import contextlib

            with contextlib.redirect_stdout(sys.stderr):  # the steps go to stderr, the outcome to stdout
                code = run_demo(args.out, args.date, args.feeds)
            print(json.dumps({"out": str(Path(args.out).resolve()), "status": code}))
            return code
        if args.command == "queue":
            from digest_tools.cli.queue import run

            return run(args)
        if args.command == "feeds":
            from digest_tools.cli.feeds import check_feeds

            return check_feeds(args.targets, sys.stdout)
        from digest_tools.cli import ops

        if args.command == "serve":
            return ops.serve(args.port, args.demo_data, args.json)
        if args.command == "subscribers" and args.subscribers_command in ("search", "export", "import", "remove"):
            from digest_tools.cli import subscribers_admin

            return subscribers_admin.run(args)
        if args.command == "subscribers" and args.subscribers_command == "migrate-ids":
            from digest_tools.cli import migrate_ids

            return migrate_ids.run(args)
        if args.command == "subscribers":
            return ops.subscribers(args)
        if args.command == "cost":
            return ops.cost(args)
        if args.command == "reads":
            from digest_tools.cli import reads

            return reads.run(args)
        from digest_tools.cli import editor

        return editor.run(args)
    except DigestError as exc:
        return _fail(exc, Parser.json_errors)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
