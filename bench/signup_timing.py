"""Sign-up timing: does the public handler's answer take longer for a new address than a known one?

The public function's real handler (``functions/public/app.py``: routing, form parsing, the
sign-up limits, queueing, the page render) answers ``POST /subscribe`` for addresses already
subscribed (known) and never seen (new), interleaved at random so background load hits both
alike. The adapters are in-process fakes: the subscriber store, the sign-up counters, and a queue
whose consumer (the confirmation sender, whose SES fake takes a fixed 60 ms per send) runs on a
background thread, as the confirm function would run elsewhere. Wall time per request
(``time.perf_counter``), 400 of each kind (``--quick``: 100); the mean, standard deviation and
95th percentile of each, the ratio of the means, and Welch's t (|t| < 2: no difference the
samples can show).

Floor, to show the measurement can see the leak: the same requests with the confirmation sent
inside the request (the queue drained in-process at once, as the local stack does), where a new
address pays SES's 60 ms and a known one does not (40 of each).
"""

from __future__ import annotations

import base64
import json
import queue
import random
import statistics
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from digest import bootstrap
from digest.adapters.clock import FixedClock
from digest.config import Settings
from digest.core.signup_limits import SignupLimits
from digest.core.subscriber import ACTIVE, Subscriber
from tests.unit.fakes import FakeMailer, FakeSignupCounters, FakeSubscriberStore

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
SES_LATENCY = 0.060
NO_LIMITS = SignupLimits(10**9, 10**9, 10**9, 10**9)  # the counters still count; nothing is refused


class SlowSes(FakeMailer):
    def send_raw(self, raw: bytes, recipient: str, tags: dict[str, str]) -> str:
        time.sleep(SES_LATENCY)
        return super().send_raw(raw, recipient, tags)


class BackgroundQueue:
    """The confirmation queue with its consumer on another thread (the confirm function)."""

    def __init__(self) -> None:
        self.items: queue.Queue[str] = queue.Queue()
        self.consume = lambda body: None  # set once the container exists

    def send(self, bodies: Iterable[str]) -> int:
        batch = list(bodies)
        for body in batch:
            self.items.put(body)
        return len(batch)

    def run(self) -> None:
        while (body := self.items.get()) != "":
            self.consume(body)


class InRequestQueue:
    """The floor: the confirmation is sent before the request answers."""

    def __init__(self) -> None:
        self.consume = lambda body: None

    def send(self, bodies: Iterable[str]) -> int:
        batch = list(bodies)
        for body in batch:
            self.consume(body)
        return len(batch)


def container(requests, known: list[str]) -> bootstrap.Container:
    env = {
        **{k: "x" for k in ("STORIES_TABLE", "EDITIONS_TABLE", "SUBSCRIBERS_TABLE", "LEDGER_TABLE")},
        **{k: "x" for k in ("FEED_STATE_TABLE", "AUDIT_TABLE", "ARCHIVE_BUCKET", "SEND_QUEUE_URL")},
        "SENDER": "Morning Digest <digest@news.example.org>",
        "PUBLIC_BASE_URL": "https://news.example.org/digest",
        "API_BASE_URL": "https://api.news.example.org",
        "SIGNING_SECRET": "bench-signing-secret",
    }
    app = bootstrap.Container(Settings.from_env(env), FixedClock(NOW))
    app.subscribers = FakeSubscriberStore([Subscriber(app.subscriber_ids.of(a), a, ACTIVE, "paid") for a in known])
    app.mailer = SlowSes()
    app.signup_counters = FakeSignupCounters()
    app.signup_requests = requests
    app.settings = replace(
        app.settings,
        signup_limit_mailbox=NO_LIMITS.per_mailbox,
        signup_limit_client=NO_LIMITS.per_client,
        signup_limit_domain=NO_LIMITS.per_domain,
        signup_daily_cap=NO_LIMITS.daily_cap,
    )
    assert app.signup_limits == NO_LIMITS
    requests.consume = app.confirmations.handle
    return app


def request(template: dict, address: str, n: int) -> dict:
    body = f"email={address.replace('@', '%40')}&role=&website="
    event = json.loads(json.dumps(template))
    event["body"] = base64.b64encode(body.encode()).decode()
    event["headers"]["content-length"] = str(len(body))
    event["requestContext"]["http"]["sourceIp"] = f"198.51.100.{n % 250}"
    return event


def timed(handler, context, events: list[tuple[str, dict]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"known": [], "new": []}
    answers = set()
    for kind, event in events:
        start = time.perf_counter()
        reply = handler(event, context)
        times[kind].append(time.perf_counter() - start)
        answers.add((reply["statusCode"], reply["body"]))
    assert len(answers) == 1, "known and new addresses got different answers"
    return times


def run(count: int, in_request: bool, rng: random.Random) -> tuple[dict[str, list[float]], bootstrap.Container]:
    from tests.integration.handlers import context, load_handler

    known = [f"reader{n}@example.org" for n in range(count)]
    requests = InRequestQueue() if in_request else BackgroundQueue()
    app = container(requests, known)
    bootstrap.use(app)
    template = json.loads((ROOT / "events/public/subscribe-post.json").read_text("utf-8"))
    events = [("known", request(template, a, n)) for n, a in enumerate(known)]
    events += [("new", request(template, f"newcomer{n}@example.net", n)) for n in range(count)]
    rng.shuffle(events)
    handler = load_handler("public").handler
    warm = [("new", request(template, f"warm{n}@example.com", n)) for n in range(10)]
    worker = threading.Thread(target=requests.run, daemon=True) if isinstance(requests, BackgroundQueue) else None
    if worker:
        worker.start()
    timed(handler, context("public"), warm)
    times = timed(handler, context("public"), events)
    if worker:
        requests.items.put("")
        worker.join()
    bootstrap.use(None)
    return times, app


def summary(values: list[float]) -> tuple[float, float, float]:
    ms = [v * 1000 for v in values]
    return statistics.fmean(ms), statistics.stdev(ms), statistics.quantiles(ms, n=20)[18]


def welch(a: list[float], b: list[float]) -> float:
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    return (statistics.fmean(a) - statistics.fmean(b)) / (va + vb) ** 0.5


def report(title: str, times: dict[str, list[float]]) -> None:
    print(title)
    print(f"  {'':<8}{'n':>6}{'mean ms':>10}{'stdev ms':>10}{'p95 ms':>10}")
    for kind in ("known", "new"):
        mean, stdev, p95 = summary(times[kind])
        print(f"  {kind:<8}{len(times[kind]):>6}{mean:>10.3f}{stdev:>10.3f}{p95:>10.3f}")
    ratio = statistics.fmean(times["new"]) / statistics.fmean(times["known"])
    print(f"  new/known mean: {ratio:.3f}   Welch t: {welch(times['new'], times['known']):+.2f}")


def main(argv: list[str] | None = None) -> None:
    import logging

    logging.disable(logging.INFO)
    quick = "--quick" in (argv if argv is not None else sys.argv[1:])
    rng = random.Random(7)
    print(f"signup_timing: POST /subscribe through the public handler, SES fake {SES_LATENCY * 1000:.0f} ms per send")
    times, app = run(100 if quick else 400, False, rng)
    report("queued (the confirm function sends)", times)
    sent = {s.recipient for s in app.mailer.sent}
    only_new = all("newcomer" in a or "warm" in a for a in sent)
    print(f"  confirmations the consumer sent: {len(sent)} (to new addresses only: {only_new})")
    floor, _ = run(40, True, rng)
    report("floor: sent inside the request (the leak the queue removes)", floor)
