"""Operator commands that talk to the stores directly: serve, subscribers, cost."""

from __future__ import annotations

import argparse
import json
import os
import time

from digest.core.subscriber import ACTIVE, Subscriber, normalize_address, subscriber_id
from digest.errors import DigestError
from digest_tools.cli.client import Target, UsageError, resolve


def container_for(target: Target):
    """The same composition root a Lambda function of the target stack builds."""
    from digest.bootstrap import Container
    from digest.config import Settings
    from digest_tools.local.clock import local_clock

    env = dict(target.env)
    if target.endpoint:  # the local stack: point the SDKs at it
        from digest_tools.local.stack import DUMMY_CREDENTIALS

        os.environ.update({"AWS_ENDPOINT_URL": target.endpoint, **DUMMY_CREDENTIALS})
        env.update(AWS_ENDPOINT_URL=target.endpoint)
    env.setdefault("AWS_REGION", target.region)
    return Container(Settings.from_env(env), local_clock())  # DIGEST_NOW pins it, as it pins digest serve


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (and SIGHUP) stop `digest serve` the way Ctrl-C does


def serve(port: int, demo_data: bool, as_json: bool = False) -> int:
    import signal

    from digest_tools.local.serve import DESK_EDITOR, LocalServer

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)
    with LocalServer(port) as server:
        where = {"endpoint": server.stack.endpoint, "api": server.bridge.url, "mail": server.mail_url}
        desk = {"url": server.desk_url, "user": DESK_EDITOR, "password": server.desk_password}
        if as_json:
            extra = {"moto_mail": server.moto_mail_url, "state_file": str(server.state_file), "desk": desk}
            print(json.dumps({**where, **extra}))
        else:
            print(f"local stack at {server.stack.endpoint}; public and editor APIs at {server.bridge.url}")
            print(f"emails the local SES accepts: {server.mail_url} (raw: {server.moto_mail_url})")
            print(f"the desk: {server.desk_url}")
            print(f"  sign in as {DESK_EDITOR} / {server.desk_password} (editors group)")
        if demo_data:
            _seed(server.app)
        print("try:  digest status   |   curl -d email=you@example.com " + server.bridge.url + "/subscribe")
        print("press Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopping")
    return 0


def _seed(app) -> None:
    from dataclasses import replace
    from importlib import resources

    from digest.config import load_sources
    from digest_tools.local.feedserver import FeedServer

    for entry in json.loads(resources.files("digest_tools").joinpath("samples", "subscribers.json").read_text("utf-8")):
        app.subscribers.put(
            Subscriber(subscriber_id(entry["email"]), entry["email"], ACTIVE, entry.get("plan", "trial"))
        )
    today = app.today()
    with FeedServer(today) as feeds:
        files = {"ap": "ap.xml", "afp": "afp.xml", "reuters": "reuters.xml"}
        sources = [replace(s, url=feeds.url(files[s.key])) for s in load_sources() if s.key in files]
        report, _ = app.ingest(sources, force=True, withdraw=False)
    built = app.assemble(today)
    print(
        f"demo data: {report.stored} stories, 5 subscribers, edition {today} "
        f"v{built.record.version if built.record else 0} ({built.record.status if built.record else built.reason})"
    )


def subscribers(args: argparse.Namespace) -> int:
    app = container_for(resolve(args.stack, args.region))
    if args.subscribers_command == "add":
        address = normalize_address(args.email)
        from digest.core.plans import validate_address

        problem = validate_address(address)
        if problem:
            raise UsageError(problem)
        app.subscribers.put(
            Subscriber(
                subscriber_id(address),
                address,
                args.status,
                args.plan,
                args.timezone,
                source="admin",
                created_at=app.clock.now().isoformat(),
            )
        )
        added = {"subscriber_id": subscriber_id(address), "status": args.status, "plan": args.plan}
        print(json.dumps(added) if args.json else " ".join(added.values()))
    else:
        counts = {
            status: sum(1 for _ in app.subscribers.with_status(status))
            for status in ("active", "pending", "unsubscribed", "bounced", "complained", "lapsed")
        }
        print(json.dumps(counts) if args.json else "\n".join(f"{k:<14}{v}" for k, v in counts.items()))
    return 0


def cost(args: argparse.Namespace) -> int:
    """Estimate an edition's AWS cost for a list size (Polly, SES, Lambda, DynamoDB, SQS)."""
    from digest.core.edition import version_key
    from digest.core.speech import billed_characters, polly_cost

    app = container_for(resolve(args.stack, args.region))
    day = app.today().isoformat() if args.date in (None, "today") else args.date  # the newsroom's date, as the API
    latest = app.editions.latest(day)
    if latest is None:
        raise DigestError(f"there is no edition for {day}: build it first (`digest rebuild {day}`)")
    ssml = (app.blobs.get(version_key(day, latest.version, "edition.ssml")) or b"").decode("utf-8")
    chars = billed_characters(ssml)
    if args.subscribers is None:
        n, counted = sum(1 for _ in app.subscribers.with_status(ACTIVE)), "active subscribers of the stack"
    elif args.subscribers < 0:
        raise UsageError(f"--subscribers must be 0 or more, got {args.subscribers}")
    else:
        n, counted = args.subscribers, "given with --subscribers"
    lines = {
        f"Polly ({args.engine}, {chars:,} characters, audio + speech marks)": 2 * polly_cost(chars, args.engine),
        f"SES ({n:,} emails at $0.10 per 1,000)": n * 0.10 / 1000,
        "Lambda send (about 8 ms of 512 MB per email)": n * 0.008 * 0.5 * 0.0000166667,
        "DynamoDB ledger (2 writes + 1 read per email, on demand)": n * (2 * 1.25 + 0.25) / 1_000_000,
        "SQS (1 message per 50 recipients)": (n / 50) * 3 * 0.40 / 1_000_000,
    }
    if app.settings.bedrock_model_id:  # generative summaries (BedrockModelId): the model's tokens and guardrail
        from digest.core.generation_cost import cost_lines
        from digest.core.snapshot import edition_from_json

        stored = app.blobs.get(version_key(day, latest.version, "edition.json"))
        if stored:
            guardrail = bool(app.settings.bedrock_guardrail_id)
            lines.update(
                cost_lines(
                    edition_from_json(stored), app.stories.get, app.settings.bedrock_model_id, guardrail=guardrail
                )
            )
    total = sum(lines.values())
    if args.json:
        reply = {"edition_date": day, "subscribers": n, "subscribers_from": counted, "items": lines, "total_usd": total}
        print(json.dumps(reply, indent=2))
    else:
        print(f"  {n:,} subscribers ({counted})")
        for what, usd in lines.items():
            print(f"  ${usd:>10.4f}  {what}")
        print(f"  ${total:>10.4f}  total for the edition of {day}")
    return 0
