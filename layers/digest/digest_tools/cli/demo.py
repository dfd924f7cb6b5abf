"""``digest demo``: the whole morning offline, on the embedded local AWS stack."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.adapters.clock import FixedClock
from digest.adapters.http_fetch import HttpFetcher
from digest.bootstrap import Container
from digest.config import Settings, load_sources
from digest.core.edition import site_key, version_key
from digest.core.schedule import edition_day
from digest.core.speech import billed_characters, polly_cost
from digest.core.subscriber import ACTIVE, Subscriber
from digest.errors import DigestError
from digest.services.narrate import narrate
from digest.services.site import site_files
from digest_tools.cli.demo_feeds import GivenFeeds
from digest_tools.local.clock import local_clock
from digest_tools.local.feedserver import FeedServer
from digest_tools.local.stack import LocalStack, drain_queue

FEED_FILES = {"ap": "ap.xml", "afp": "afp.xml", "reuters": "reuters.xml"}


class Steps:
    def __init__(self, total: int) -> None:
        self.total, self.done, self.started = total, 0, time.monotonic()

    def __call__(self, title: str) -> None:
        self.done += 1
        print(f"[{self.done}/{self.total}] {title}", flush=True)


def run_demo(out: str, day: date | None, feeds: list[str] | None = None) -> int:
    """The whole morning; on the bundled samples (moved to ``day``) or on ``feeds`` as they are."""
    out_dir = Path(out).resolve()
    step = Steps(7)
    stack = LocalStack()
    step("starting the local AWS stack (moto server) and creating the template's resources")
    stack.start()
    try:
        env = stack.create_resources()
        settings = Settings.from_env({**env, "AWS_ENDPOINT_URL": stack.endpoint, "AWS_REGION": "us-east-1"})
        settings = replace(
            settings, narrator="espeak", allow_loopback_fetch=True, api_base_url="https://news.example.org/digest/api"
        )
        zone = ZoneInfo(settings.edition_timezone)
        day = day or edition_day(local_clock().now(), settings.edition_timezone)
        # The demo's clock is set to each stage's scheduled local time on the edition day.
        clock = FixedClock(datetime.combine(day, settings.assemble_at, zone))
        app = Container(settings, clock)
        _run_morning(app, stack, day, zone, clock, step, out_dir, feeds)
    finally:
        stack.stop()
    print(f"done in {time.monotonic() - step.started:.1f} s; the edition is in {out_dir}")
    return 0


def _run_morning(
    app: Container,
    stack: LocalStack,
    day: date,
    zone: ZoneInfo,
    clock: FixedClock,
    step: Steps,
    out_dir: Path,
    feeds: list[str] | None = None,
) -> None:
    samples = json.loads(resources.files("digest_tools").joinpath("samples", "subscribers.json").read_text("utf-8"))
    for entry in samples:
        app.subscribers.put(
            Subscriber(
                app.subscriber_ids.of(entry["email"]),
                entry["email"],
                ACTIVE,
                entry.get("plan", "trial"),
                entry.get("timezone", "UTC"),
                entry.get("name", ""),
            )
        )
    if feeds:
        with GivenFeeds(feeds, load_sources()) as given:
            sources = given.sources(lambda url: HttpFetcher(allow_loopback=True).fetch(url).body or b"")
            step(f"ingesting {len(sources)} given feeds as they are: " + ", ".join(s.agency for s in sources))
            report, _ = app.ingest(sources, force=True, withdraw=False)
    else:
        with FeedServer(day) as served:
            sources = [replace(s, url=served.url(FEED_FILES[s.key])) for s in load_sources() if s.key in FEED_FILES]
            step(f"ingesting {len(sources)} sample wire feeds over local HTTP")
            report, _ = app.ingest(sources, withdraw=False)
    print(f"      {report.seen} stories read, {report.stored} stored, {len(report.problems)} problems")
    for problem in report.problems[:10]:
        print(f"      problem: {problem.source} {problem.kind}: {problem.detail}"[:200])

    step(f"assembling the edition of {day.isoformat()} (05:00 {zone.key})")
    built = app.assemble(day)
    if built.record is None:
        hint = f" (the edition of {day.isoformat()} holds the news of the 24 hours before its 05:00; try --date)"
        raise DigestError(f"no edition was built: {built.reason}" + (hint if feeds else ""))
    record = built.record
    print(f"      version {record.version}, {record.story_count} stories, status {record.status} {built.reason}")

    step("narrating the edition (espeak-ng + lame stand in for Amazon Polly)")
    narrated = narrate(record.edition_date, editions=app.editions, blobs=app.blobs, narrator=app.narrator)
    if app.narrator.notice:
        print(f"      notice: {app.narrator.notice}")
    print(
        f"      audio: {narrated.audio_status if narrated else 'none'}, "
        f"{len(narrated.chapters) if narrated else 0} chapters, {narrated.audio_seconds if narrated else 0:.0f} s"
    )
    ssml = (app.blobs.get(version_key(record.edition_date, record.version, "edition.ssml")) or b"").decode("utf-8")
    chars, engine = billed_characters(ssml), app.settings.polly_engine
    print(
        f"      Amazon Polly ({engine}) would bill {chars:,} characters: about ${2 * polly_cost(chars, engine):.3f} "
        "for the audio and its speech marks"
    )

    step("dispatching to the send queue and sending through SES v2")
    clock.set(datetime.combine(day, app.settings.send_at, zone))
    queued = app.dispatch(record.edition_date, scheduled=True)
    totals: dict[str, int] = {}

    def handle(body: str) -> None:
        result = app.sender.send_message(body)
        for key in ("sent", "skipped", "already", "unknown", "failed"):
            totals[key] = totals.get(key, 0) + getattr(result, key)

    drain_queue(app.client("sqs"), app.settings.send_queue_url, handle)
    print(
        f"      {queued.recipients} recipients in {queued.messages} messages: "
        + ", ".join(f"{v} {k}" for k, v in totals.items())
    )
    # The rest of the day: each reader group (time zone, hour) goes out when its hour comes.
    for mark in sorted(app.delivery_groups.for_day(record.edition_date), key=lambda m: (m.due_at, m.key)):
        if mark.state == "planned":
            clock.set(datetime.fromisoformat(mark.due_at))
            later = app.dispatch(record.edition_date, scheduled=True, groups=True)
            drain_queue(app.client("sqs"), app.settings.send_queue_url, handle)
            print(f"      {mark.due_at[:16].replace('T', ' ')} UTC, readers at {mark.key}: {later.recipients} more")

    step(f"writing the edition and the sent emails to {out_dir}")
    _write_outputs(app, stack, record.edition_date, record.version, out_dir)
    step("checking the output")
    for name in (
        "email.html",
        "email.txt",
        "index.html",
        "edition.mp3",
        "edition.ssml",
        "archive.html",
        "feed.atom",
        "podcast.xml",
    ):
        path = out_dir / name
        print(f"      {path}  ({path.stat().st_size:,} bytes)")
    print(f"      {out_dir / 'emails'}  ({len(list((out_dir / 'emails').glob('*.eml')))} .eml files)")
    pages = [p for p in (out_dir / "site").rglob("*") if p.is_file()]
    print(f"      {out_dir / 'site'}  ({len(pages)} files: the public site as published, open index.html from disk)")


def _write_outputs(app: Container, stack: LocalStack, day: str, version: int, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    emails = out_dir / "emails"
    emails.mkdir(exist_ok=True)
    for old in emails.glob("*.eml"):
        old.unlink()
    files = {
        "email.html": version_key(day, version, "email.html"),
        "email.txt": version_key(day, version, "email.txt"),
        "edition.ssml": version_key(day, version, "edition.ssml"),
        "index.html": site_key(day, "index.html"),
        "edition.mp3": site_key(day, "edition.mp3"),
        "archive.html": "site/index.html",
        "feed.atom": "site/feed.atom",
        "podcast.xml": "site/podcast.xml",
    }
    for name, key in files.items():
        data = app.blobs.get(key)
        if data is None:
            raise DigestError(f"the stack has no {key}")
        (out_dir / name).write_bytes(data)
    by_address = {s.email: s.subscriber_id for s in app.subscribers.with_status(ACTIVE)}
    for number, message in enumerate(stack.sent_emails(), start=1):
        to = message.get("destinations") or [""]
        name = by_address.get(to[0], f"message-{number}")
        (emails / f"{name}.eml").write_text(message["raw_data"], encoding="utf-8")
    for path, data in site_files(app.blobs, app.settings.public_base_url):  # the site as published, offline
        target = out_dir / "site" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
