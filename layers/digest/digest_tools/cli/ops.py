"""Operator commands that talk to the stores directly: serve, subscribers, cost."""

from __future__ import annotations

import argparse
import json
import os
import time

from digest.core.subscriber import ACTIVE, Subscriber, normalize_address
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

    from digest_tools.local.serve import DESK_ADMIN, DESK_EDITOR, LocalServer

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)
    with LocalServer(port) as server:
        where = {"endpoint": server.stack.endpoint, "api": server.bridge.url, "mail": server.mail_url}
        desk = {
            "url": server.desk_url,
            "user": DESK_EDITOR,
            "password": server.desk_password,
            "admin": DESK_ADMIN,
            "admin_password": server.admin_password,
        }
        if as_json:
            extra = {"moto_mail": server.moto_mail_url, "state_file": str(server.state_file), "desk": desk}
            print(json.dumps({**where, **extra}))
        else:
            print(f"local stack at {server.stack.endpoint}; public and editor APIs at {server.bridge.url}")
            print(f"emails the local SES accepts: {server.mail_url} (raw: {server.moto_mail_url})")
            print(f"the desk: {server.desk_url}")
            print(f"  sign in as {DESK_EDITOR} / {server.desk_password} (editors group)")
            print(f"  or as {DESK_ADMIN} / {server.admin_password} (admins group: the subscriber list too)")
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
            Subscriber(app.subscriber_ids.of(entry["email"]), entry["email"], ACTIVE, entry.get("plan", "trial"))
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
        from digest.services.subscriber_ids import find_by_address

        known = find_by_address(app.subscribers, app.subscriber_ids, address)  # a legacy record stays where it is
        sid = known.subscriber_id if known is not None else app.subscriber_ids.of(address)
        app.subscribers.put(
            Subscriber(
                sid,
                address,
                args.status,
                args.plan,
                args.timezone,
                source="admin",
                created_at=app.clock.now().isoformat(),
            )
        )
        added = {"subscriber_id": sid, "status": args.status, "plan": args.plan}
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
    from digest.services.edition_cost import edition_cost

    if args.subscribers is not None and args.subscribers < 0:
        raise UsageError(f"--subscribers must be 0 or more, got {args.subscribers}")
    app = container_for(resolve(args.stack, args.region))
    day = app.today().isoformat() if args.date in (None, "today") else args.date  # the newsroom's date, as the API
    reply = app.call(edition_cost, day, args.subscribers, args.engine)
    if args.json:
        print(json.dumps(reply, indent=2))
    else:
        print(f"  {reply['subscribers']:,} subscribers ({reply['subscribers_from']})")
        for what, usd in reply["items"].items():
            print(f"  ${usd:>10.4f}  {what}")
        print(f"  ${reply['total_usd']:>10.4f}  total for the edition of {day}")
    return 0
