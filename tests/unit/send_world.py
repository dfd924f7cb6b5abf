"""The whole send path on fakes under random fault schedules (the tests and ``python -m bench faults``).

dispatch -> ``FakeSqs`` (visibility timeouts, receive counts, dead letters, duplicates, delays)
-> two send functions (the real ``functions/send/app.py``, loaded twice: two execution
environments, Lambda timeout on a virtual clock) -> ``Sender`` -> ledger and SES fakes with
faults at every call -> SES events (delayed, duplicated, dropped) -> ``Feedback``; with the
operator's pause and resume, ``resend-failures``, redeploys and dead-letter redrives in between.

A schedule is a seed and a list of steps; every fault is drawn from the seed, so a schedule
replays exactly. After the steps the world settles (faults off, the operator resumes, redrives,
waits) and ``check`` holds the invariants: nobody mailed twice; every reader active from dispatch
to the end was mailed once or is reported to the editor (a failed delivery with its reason, or
an unknown outcome); nobody who left before the dispatch was mailed; the ledger, the SES events
and the editor's counts agree.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import CodeType, ModuleType, SimpleNamespace

from digest import bootstrap
from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.mailing import Mailing
from digest.core.render import PREFERENCES_SLOT, UNSUBSCRIBE_SLOT
from digest.core.subscriber import (
    ACTIVE,
    CLAIMED,
    FAILED,
    PENDING,
    SENT,
    UNSUBSCRIBED,
    Subscriber,
    id_key,
    subscriber_id,
)
from digest.errors import MailAccountBlocked, MailError, MailPaused, MailRejected, MailThrottled, StorageError
from digest.services.dispatch import DispatchOptions, dispatch
from digest.services.feedback import Feedback, delivery_stats
from digest.services.reconcile import resend_unaccounted, unaccounted
from digest.services.send import Sender
from tests.unit.fake_sqs import FakeSqs
from tests.unit.fakes import FakeBlobStore, FakeEditionStore, FakeLedger, FakeSubscriberStore

for _name, _value in (("POWERTOOLS_METRICS_NAMESPACE", "MorningDigestFaults"), ("POWERTOOLS_TRACE_DISABLED", "1")):
    os.environ.setdefault(_name, _value)  # the handler's Metrics and Tracer, outside pytest too

ROOT = Path(__file__).resolve().parents[2]
DAY, VERSION, NOW = "2026-11-28", 1, datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
TIMEOUT, VISIBILITY = 30.0, 180.0  # the send function's timeout (scaled down) and 6x it
TEXT = "Quake hits Lima. " * 15 + f"\nUnsubscribe: {UNSUBSCRIBE_SLOT}\nPreferences: {PREFERENCES_SLOT}\n"
HTML = (
    f'<html lang="en"><body><h1>Quake hits Lima</h1><a href="{UNSUBSCRIBE_SLOT}">Unsubscribe</a> '
    f'<a href="{PREFERENCES_SLOT}">Preferences</a></body></html>'
)
STEPS = (
    ("invoke",) * 10 + ("tick",) * 3 + ("events",) * 3 + ("pause", "resume", "resend", "redeploy", "redrive", "leave")
)

KEY = id_key("unit-test-signing-secret")  # the ids services make with the tests' signing secret


class Killed(BaseException):
    """The runtime ended the invocation (a kill or the function's timeout): nothing catches it."""


@dataclass
class Faults:
    """Chance of each fault at each call it can happen in."""

    kill: float = 0.01
    store_error: float = 0.02
    claim_reply_lost: float = 0.03
    throttle: float = 0.05
    ses_5xx: float = 0.02
    timeout_after_accept: float = 0.02
    kill_after_accept: float = 0.02
    ses_paused: float = 0.01
    ses_blocked: float = 0.005
    reject: float = 0.01
    slow_call: float = 0.02
    nested: float = 0.05
    event_drop: float = 0.05
    event_late: float = 0.1
    event_dup: float = 0.1
    sqs_dup: float = 0.1
    kill_before_delete: float = 0.03
    park_error: float = 0.02


def schedule(seed: int, length: int = 40) -> list[str]:
    """A random list of steps for ``seed``."""
    rng = random.Random(f"steps-{seed}")
    return [rng.choice(STEPS) for _ in range(length)]


class VClock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> datetime:
        return NOW + timedelta(seconds=self.t)


class FakeSwitch:
    def __init__(self) -> None:
        self.reason: str | None = None

    def paused(self) -> str | None:
        return self.reason

    def pause(self, reason: str) -> None:
        self.reason = reason

    def resume(self) -> None:
        self.reason = None


class FaultyLedger:
    """The ledger with store errors, kills and a lost reply to a claim."""

    def __init__(self, world: World) -> None:
        self.w, self.inner = world, world.ledger

    def claim(self, day: str, sid: str, owner: str = "") -> bool:
        self.w.point()
        self.w.maybe("store_error", StorageError("claim throttled"))
        made = self.inner.claim(day, sid, owner)
        if made and self.w.chance("claim_reply_lost"):
            return False  # the SDK retried a put whose reply was lost: its condition now fails
        self.w.maybe("store_error", StorageError("claim reply lost"))
        return made

    def get(self, day: str, sid: str):
        self.w.point()
        return self.inner.get(day, sid)

    def mark(self, day: str, sid: str, state: str, message_id: str = "", detail: str = "", **conditions) -> bool:
        self.w.point()
        self.w.maybe("store_error", StorageError("mark throttled"))
        return self.inner.mark(day, sid, state, message_id, detail, **conditions)

    def release(self, day: str, sid: str, state: str = CLAIMED, owner: str | None = None) -> None:
        self.w.point()
        self.w.maybe("store_error", StorageError("release throttled"))
        self.inner.release(day, sid, state, owner)

    def for_edition(self, day: str):
        return self.inner.for_edition(day)


class FaultySes:
    """SES: accepts (and publishes events), or throttles, pauses, refuses, fails with a 5xx, times
    out after accepting, is slow; another sender may run a whole invocation during a call."""

    def __init__(self, world: World) -> None:
        self.w = world

    def send_raw(self, raw: bytes, recipient: str, tags: dict[str, str]) -> str:
        w = self.w
        w.point()
        if w.chance("nested") and len(w.stack) == 1:
            w.invoke(1 - w.stack_env[-1], nested=True)
        if w.chance("slow_call"):
            w.clock.t += 25.0
        for kind, error in (
            ("throttle", MailThrottled("Maximum sending rate exceeded")),
            ("ses_paused", MailPaused("could not reach SES: EndpointConnectionError")),
            ("ses_blocked", MailAccountBlocked("the SES daily sending quota is used up")),
            ("reject", MailRejected("MessageRejected")),
            ("ses_5xx", MailError("InternalFailure")),
        ):
            w.maybe(kind, error)
        message_id = w.accept(recipient, tags)
        w.maybe("timeout_after_accept", MailError("ReadTimeoutError"))
        w.maybe("kill_after_accept", Killed("after SES accepted"))
        return message_id

    def max_send_rate(self) -> float:
        return 14.0


class FaultyParking:
    def __init__(self, world: World) -> None:
        self.w = world

    def send_later(self, bodies, delay_seconds: int) -> int:
        self.w.maybe("park_error", StorageError("SendMessage failed"))
        return self.w.sqs.send_later(bodies, delay_seconds)


HANDLER = ROOT / "functions" / "send" / "app.py"


@functools.cache
def _handler_code(path: Path) -> CodeType:
    return compile(path.read_text("utf-8"), str(path), "exec")


def _load_handler(name: str, path: Path = HANDLER):
    """A fresh module of the handler file (a new execution environment: its own batch processor)."""
    module = ModuleType(name)
    module.__file__ = str(path)
    exec(_handler_code(path), module.__dict__)  # noqa: S102 - our own handler file, as the runtime loads it
    return module.handler


@dataclass
class Tally:
    mailed: Counter = field(default_factory=Counter)  # recipient address -> accepted messages
    steps: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)


class World:
    """One edition, ``readers`` subscribers, two send functions, everything on a virtual clock."""

    def __init__(
        self, seed: int, faults: Faults | None = None, readers: int = 30, batch: int = 5, handler: Path = HANDLER
    ) -> None:
        self.seed, self.rng, self.faults_on, self.handler_path = seed, random.Random(seed), True, handler
        self.faults = faults or Faults()
        self.clock, self.tally = VClock(), Tally()
        people = [
            Subscriber(subscriber_id(f"r{i}@example.com", KEY), f"r{i}@example.com", PENDING if i % 9 == 8 else ACTIVE)
            for i in range(readers)
        ]
        self.subscribers = FakeSubscriberStore(people)
        self.left_before = {s.subscriber_id for s in self.rng.sample(people, 2)}
        for sid in self.left_before:
            self.subscribers.set_status(sid, UNSUBSCRIBED)
        self.editions, self.blobs, self.ledger = FakeEditionStore(), FakeBlobStore(), FakeLedger(self.clock)
        self.editions.add(EditionRecord(DAY, VERSION, "h", "approved", 3, "Morning Digest", NOW.isoformat()))
        for name, data in (("edition.json", "{}"), ("email-noaudio.txt", TEXT), ("email-noaudio.html", HTML)):
            self.blobs.put(version_key(DAY, VERSION, name), data.encode(), "text/plain")
        self.sqs = FakeSqs(lambda: self.clock.t, visibility=VISIBILITY, rng=self.rng)
        self.switch, self.events, self.event_dlq = FakeSwitch(), [], []
        self.accepted: dict[str, str] = {}  # message id -> subscriber id
        self.processed: Counter = Counter()  # (event type, subscriber id) -> times applied
        self.feedback = Feedback(subscribers=self.subscribers, ledger=self.ledger, clock=self.clock)
        result = dispatch(
            DAY,
            editions=self.editions,
            subscribers=self.subscribers,
            queue=self.sqs,
            blobs=self.blobs,
            options=DispatchOptions(batch_size=batch),
            now=NOW,
        )
        self.active_at_dispatch = {s.subscriber_id for s in self.subscribers.with_status(ACTIVE)}
        assert result.recipients == len(self.active_at_dispatch)
        self.stack: list[float] = []
        self.stack_env: list[int] = []
        self.envs = [self._environment(i) for i in range(2)]

    # --- fault dice -------------------------------------------------------------------------------

    def chance(self, kind: str) -> bool:
        hit = self.faults_on and self.rng.random() < getattr(self.faults, kind)
        self.tally.faults[kind] += hit
        return hit

    def maybe(self, kind: str, error: BaseException) -> None:
        if self.chance(kind):
            raise error

    def point(self) -> None:
        """Every call to a store or SES: time passes; the runtime may end the invocation."""
        self.clock.t += self.rng.uniform(0.05, 0.6)
        if self.stack and self.clock.t - self.stack[-1] > TIMEOUT:
            raise Killed("the function timed out")
        self.maybe("kill", Killed("killed"))

    # --- SES and its events -------------------------------------------------------------------------

    def accept(self, recipient: str, tags: dict[str, str]) -> str:
        message_id = f"ses-{len(self.accepted) + 1:05d}"
        self.accepted[message_id] = tags["subscriber"]
        self.tally.mailed[recipient] += 1
        for kind in ("Send", "Delivery"):
            event = {
                "eventType": kind,
                "mail": {
                    "messageId": message_id,
                    "destination": [recipient],
                    "tags": {k: [v] for k, v in tags.items()},
                },
                kind.lower(): {"timestamp": self.clock.now().isoformat()},
            }
            if self.chance("event_drop"):
                if self.rng.random() < 0.5:
                    self.event_dlq.append(event)  # the feedback function's dead-letter queue keeps it
                continue  # otherwise lost for good (SNS gave up)
            delay = self.rng.uniform(600, 7200) if self.chance("event_late") else self.rng.uniform(0, 3)
            self.events.append((self.clock.t + delay, event))
        return message_id

    def deliver_events(self, everything: bool = False) -> None:
        due = [e for e in self.events if everything or e[0] <= self.clock.t]
        self.events = [e for e in self.events if e not in due]
        due += [e for e in due if self.chance("event_dup")]
        self.rng.shuffle(due)
        for _, event in due:
            outcome = self.feedback.handle(event)
            if outcome.changed or outcome.action in ("sent", "delivered"):
                self.processed[(event["eventType"], outcome.subscriber_id)] += 1

    # --- the send functions --------------------------------------------------------------------------

    def _environment(self, index: int) -> SimpleNamespace:
        sender = Sender(
            editions=self.editions,
            blobs=self.blobs,
            subscribers=self.subscribers,
            ledger=FaultyLedger(self),
            mailer=FaultySes(self),
            clock=self.clock,
            options=Mailing(sender="d@news.example.org", api_base_url="https://x.example.org", signing_secret="s"),
            switch=self.switch,
        )
        sender.new_token = lambda: f"tok-{self.rng.getrandbits(48):012x}"
        container = SimpleNamespace(sender=sender, sending_switch=self.switch, send_parking=FaultyParking(self))
        handler = _load_handler(f"send_env_{self.seed}_{index}", self.handler_path)
        return SimpleNamespace(handler=handler, container=container)

    def invoke(self, env: int = 0, nested: bool = False) -> None:
        batch = self.sqs.receive(3 if nested else 10, duplicate=self.chance("sqs_dup"))
        if not batch:
            return
        start, before = self.clock.t, bootstrap._container if hasattr(bootstrap, "_container") else None
        self.stack.append(start)
        self.stack_env.append(env)
        context = SimpleNamespace(
            function_name="send",
            memory_limit_in_mb=512,
            aws_request_id=f"req-{self.rng.getrandbits(32)}",
            invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:send",
            get_remaining_time_in_millis=lambda: max(0, int((start + TIMEOUT - self.clock.t) * 1000)),
        )
        bootstrap.use(self.envs[env].container)
        try:
            reply = self.envs[env].handler({"Records": FakeSqs.records(batch)}, context)
            failed = {f["itemIdentifier"] for f in reply["batchItemFailures"]}
            self.maybe("kill_before_delete", Killed("before the deletes"))
            for message in batch:
                if message.message_id not in failed:
                    self.sqs.delete(message)
        except Killed:
            self.tally.steps["killed"] += 1
        finally:
            self.stack.pop()
            self.stack_env.pop()
            bootstrap.use(before)

    # --- steps ------------------------------------------------------------------------------------------

    def step(self, name: str) -> None:
        self.tally.steps[name] += 1
        if name == "invoke":
            self.invoke(self.rng.randrange(2))
        elif name == "tick":
            self.clock.t += self.rng.choice((5.0, 60.0, 400.0, 1000.0))
        elif name == "events":
            self.deliver_events()
        elif name == "pause":
            self.switch.pause("operator: checking a complaint")
        elif name == "resume":
            self.switch.resume()
        elif name == "resend":
            resend_unaccounted(DAY, VERSION, "email-noaudio", ledger=self.ledger, queue=self.sqs, now=self.clock.now())
        elif name == "redeploy":  # new execution environments: fresh handler modules and senders
            self.envs = [self._environment(i) for i in range(2)]
        elif name == "redrive":
            self.sqs.redrive()
        elif name == "leave":  # a reader unsubscribes while the edition is going out
            active = sorted(self.subscribers.with_status(ACTIVE), key=lambda s: s.subscriber_id)
            if active:
                self.subscribers.set_status(self.rng.choice(active).subscriber_id, UNSUBSCRIBED)

    def settle(self) -> None:
        """Faults off: the operator resumes, redrives the dead letters, waits; then resend-failures."""
        self.faults_on = False
        self.switch.resume()
        for rounds in range(2):
            for _ in range(200):
                self.invoke(0)
                if self.sqs.dlq:
                    self.sqs.redrive()
                if not self.sqs.pending():
                    break
                self.clock.t = max(self.clock.t + 1.0, self.sqs.next_visible() or 0.0)
            self.clock.t += 3 * 3600  # late SES events arrive; claims are no longer in flight
            self.events += [(self.clock.t, e) for e in self.event_dlq]  # feedback dead letters redriven
            self.event_dlq = []
            self.deliver_events(everything=True)
            if rounds == 0:
                resend_unaccounted(
                    DAY, VERSION, "email-noaudio", ledger=self.ledger, queue=self.sqs, now=self.clock.now()
                )
        assert not self.sqs.pending() and not self.sqs.dlq, "the queue did not drain"

    # --- invariants -----------------------------------------------------------------------------------

    def check(self) -> dict[str, int]:
        """The invariants (AssertionError names the first broken one); returns the counts."""
        records = {d.subscriber_id: d for d in self.ledger.for_edition(DAY)}
        mails = {s.subscriber_id: self.tally.mailed[s.email] for s in self.subscribers.subscribers.values()}
        report = unaccounted(DAY, ledger=self.ledger, now=self.clock.now())
        duplicates = sum(max(0, n - 1) for n in mails.values())
        assert duplicates == 0, f"mailed twice: {[s for s, n in mails.items() if n > 1]}"
        assert not any(mails[s] for s in self.left_before), "a reader who left before the dispatch was mailed"
        still = {s for s in self.active_at_dispatch if self.subscribers.get(s).status == ACTIVE}
        lost = [
            s
            for s in still
            if mails[s] == 0 and not (s in records and (records[s].state == FAILED or s in report.unknown))
        ]
        assert not lost, f"lost readers (not mailed, not reported): {lost}"
        for sid, record in records.items():
            if record.state == SENT:
                assert mails[sid] == 1 and self.accepted.get(record.message_id) == sid, f"ledger says sent: {sid}"
            if record.state == FAILED:
                assert mails[sid] == 0 and record.detail, f"failed without a reason, or mailed: {sid}"
            if record.state == CLAIMED:
                assert sid in report.unknown and report.unknown[sid], f"unknown claim not reported: {sid}"
        for sid, n in mails.items():
            assert n == 0 or sid in records, f"mailed without a ledger record: {sid}"
        stats = delivery_stats(records.values())
        assert stats["unknown"] == len(report.unknown) and report.in_flight == 0
        assert stats["failed"] == sum(r.state == FAILED for r in records.values())
        delivered = {s for (kind, s) in self.processed if kind == "Delivery"}
        assert stats["delivered"] == len(delivered & {s for s, r in records.items() if r.state == SENT})
        unknown_mailed = sum(1 for s in report.unknown if mails[s])
        return {
            "readers": len(self.active_at_dispatch),
            "mailed": sum(mails.values()),
            "duplicates": duplicates,
            "lost": len(lost),
            "failed": stats["failed"],
            "unknown_mailed": unknown_mailed,
            "unknown_unmailed": len(report.unknown) - unknown_mailed,
        }


def run_schedule(seed: int, steps: list[str], faults: Faults | None = None, handler: Path = HANDLER) -> dict[str, int]:
    """Run ``steps`` in a fresh world of ``seed``, settle, check; returns the counts."""
    with quiet():
        world = World(seed, faults, handler=handler)
        for name in steps:
            world.step(name)
        world.settle()
    return world.check()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No log lines or metric lines while a schedule runs (thousands per run; they are not checked)."""
    logging.disable(logging.CRITICAL)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        logging.disable(logging.NOTSET)


def as_regression_test(seed: int, steps: list[str], faults: Faults | None = None) -> str:
    """A failing schedule as a test to paste into tests/unit/test_send_schedules.py."""
    return f"def test_send_schedule_{seed}():\n    run_schedule({seed}, {steps!r}, {faults or Faults()!r})\n"
