"""The whole send pipeline on fakes under faults: 1,100 subscribers (1,000 active), batches of 50.

dispatch -> ``FakeSqs`` (a message stays until deleted; a crashed handler leaves it to be
redelivered; receives are counted and a message received 5 times moves to the dead-letter list
on its next receive) -> the real send handler (``functions/send/app.py``) -> ``Sender`` on the
fakes of ``fakes.py``. Ten subscribers unsubscribe between dispatch and send.

Faults come from wrapped fakes. ``Killed`` is a ``BaseException``, like a Lambda timeout or an
out-of-memory kill: it ends the whole invocation and none of its messages is deleted. After each
run the work is replayed (a re-run dispatch queues every batch again, and every original body is
redelivered once more). Then the SES ``Send``/``Delivery`` events of every accepted message go
through ``Feedback`` to reconcile the unknowns. Every scenario must end with zero duplicates.

The at-most-once policy for case (a): a claim whose SES call never happened because the process
died in between stays ``claimed``, is reported ``unknown`` on every redelivery, and no SES event
will ever reconcile it. Nobody re-sends it automatically; only an operator's "re-send to
unknowns" would mail that subscriber. The Sender therefore takes its pacer token (and builds
everything else) before the claim, and releases the claim when SES was never reached, so only a
kill in the instant between the claim and the SES call can leave one.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import logging
import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from digest import bootstrap
from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.mailing import Mailing
from digest.core.pacing import Pacer
from digest.core.render import PREFERENCES_SLOT, UNSUBSCRIBE_SLOT
from digest.core.subscriber import ACTIVE, CLAIMED, PENDING, SENT, UNSUBSCRIBED, Subscriber, subscriber_id
from digest.errors import MailPaused, MailThrottled
from digest.services import dispatch as dispatch_module
from digest.services import feedback as feedback_module
from digest.services import send as send_module
from digest.services.dispatch import DispatchOptions, dispatch
from digest.services.feedback import Feedback
from digest.services.reconcile import resend_unaccounted
from digest.services.send import Sender
from tests.unit.fakes import FakeBlobStore, FakeClock, FakeEditionStore, FakeLedger, FakeMailer, FakeSubscriberStore

ROOT = Path(__file__).resolve().parents[2]
DAY, VERSION, NOW = "2026-11-28", 1, datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
SUBSCRIBERS, BATCH, MAX_RECEIVES, VICTIMS = 1_100, 50, 5, 10
TEXT = "Quake hits Lima. " * 15 + f"\nUnsubscribe: {UNSUBSCRIBE_SLOT}\nPreferences: {PREFERENCES_SLOT}\n"
HTML = (
    f'<html lang="en"><body><h1>Quake hits Lima</h1><a href="{UNSUBSCRIBE_SLOT}">Unsubscribe</a> '
    f'<a href="{PREFERENCES_SLOT}">Preferences</a></body></html>'
)
CONTEXT = SimpleNamespace(
    function_name="morning-digest-send",
    memory_limit_in_mb=512,
    aws_request_id="req-1",
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:send",
    get_remaining_time_in_millis=lambda: 60_000,
)


class Killed(BaseException):
    """The runtime ended the process: nothing in our code (or Powertools) catches it."""


@dataclass
class Message:
    message_id: str
    body: str
    receives: int = 0


class FakeSqs:
    """The ``Queue`` port plus the consumer side of SQS and the Lambda event source mapping."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.dlq: list[Message] = []
        self._ids = itertools.count(1)

    def send(self, bodies) -> int:
        new = [Message(f"msg-{next(self._ids)}", body) for body in bodies]
        self.messages += new
        return len(new)

    def receive(self, limit: int = 10) -> list[Message]:
        batch: list[Message] = []
        while self.messages and len(batch) < limit:
            message = self.messages.pop(0)
            if message.receives >= MAX_RECEIVES:
                self.dlq.append(message)
                continue
            message.receives += 1
            batch.append(message)
        return batch

    def drain(self, handler, kill_before_delete=frozenset()) -> int:
        """Invoke ``handler`` until the queue is empty; returns the number of invocations."""
        invocations = 0
        while self.messages:
            batch = self.receive()
            if not batch:
                continue
            invocations += 1
            records = [
                {
                    "messageId": m.message_id,
                    "receiptHandle": f"rh-{m.message_id}-{m.receives}",
                    "body": m.body,
                    "attributes": {"ApproximateReceiveCount": str(m.receives)},
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                    "awsRegion": "us-east-1",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:send",
                }
                for m in batch
            ]
            try:
                reply = handler({"Records": records}, CONTEXT)
                if invocations in kill_before_delete:
                    raise Killed("after the handler returned, before the deletes")
                failed = {f["itemIdentifier"] for f in reply["batchItemFailures"]}
            except Killed:
                failed = {m.message_id for m in batch}
            self.messages += [m for m in batch if m.message_id in failed]  # visible again later
        return invocations

    def redrive(self) -> None:
        for message in self.dlq:
            message.receives = 0
        self.messages, self.dlq = self.messages + self.dlq, []


class Tally:
    """The container's ``sender`` as the handler sees it, adding up every batch's outcome."""

    def __init__(self, sender: Sender) -> None:
        self.sender, self.totals = sender, Counter()

    def send_message(self, body: str):
        result = self.sender.send_message(body)
        self.totals.update(
            sent=result.sent,
            already=result.already,
            unknown=result.unknown,
            skipped=result.skipped,
            failed=result.failed,
            retry=len(result.retry),
        )
        return result


class FaultyLedger:
    """(a) The process dies right after the claim of each victim (once per victim)."""

    def __init__(self, inner: FakeLedger, victims: set[str]) -> None:
        self.inner, self.victims = inner, set(victims)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def claim(self, edition_id: str, sid: str) -> bool:
        claimed = self.inner.claim(edition_id, sid)
        if claimed and sid in self.victims:
            self.victims.discard(sid)
            raise Killed(f"killed after claiming {sid}")
        return claimed


class FaultyMailer:
    """SES with faults: ``decide(recipient)`` names the fault of this call, or None."""

    def __init__(self, inner: FakeMailer, decide) -> None:
        self.inner, self.decide, self.faults = inner, decide, Counter()

    def send_raw(self, raw: bytes, recipient: str, tags: dict[str, str]) -> str:
        fault = self.decide(recipient)
        self.faults[fault] += 1
        if fault == "throttle":
            raise MailThrottled("Maximum sending rate exceeded")
        if fault == "unreachable":
            raise MailPaused("could not reach SES: EndpointConnectionError")
        if fault == "paused":
            raise MailPaused("SendingPausedException")
        message_id = self.inner.send_raw(raw, recipient, tags)
        if fault == "killed":
            raise Killed(f"killed after SES accepted {message_id}")  # (b): before the ledger mark
        return message_id


def once_for(victims: set[str], fault: str):
    left = set(victims)

    def decide(recipient: str) -> str | None:
        if recipient in left:
            left.discard(recipient)
            return fault
        return None

    return decide


class Pipeline:
    """1,100 subscribers (every 11th pending), an edition ready to send, dispatched once (20
    batches of 50); then ten subscribers unsubscribe. Swap ``ledger_port``, ``mailer_port`` or
    ``pacer`` before the first ``run`` to inject faults."""

    def __init__(self, seed: int = 28) -> None:
        self.rng = random.Random(seed)
        people = [
            Subscriber(subscriber_id(f"r{i}@example.com"), f"r{i}@example.com", PENDING if i % 11 == 10 else ACTIVE)
            for i in range(SUBSCRIBERS)
        ]
        self.editions, self.blobs = FakeEditionStore(), FakeBlobStore()
        self.subscribers, self.ledger, self.mailer = FakeSubscriberStore(people), FakeLedger(), FakeMailer()
        self.editions.add(EditionRecord(DAY, VERSION, "h", "approved", 3, "Morning Digest", NOW.isoformat()))
        for name, data in (("edition.json", "{}"), ("email-noaudio.txt", TEXT), ("email-noaudio.html", HTML)):
            self.blobs.put(version_key(DAY, VERSION, name), data.encode(), "text/plain")
        self.sqs = FakeSqs()
        self.ledger_port, self.mailer_port, self.pacer = self.ledger, self.mailer, None
        assert self.dispatch().messages == 1_000 // BATCH
        self.bodies = [m.body for m in self.sqs.messages]
        for s in self.rng.sample(self.active(), 10):  # unsubscribed between dispatch and send
            self.subscribers.set_status(s.subscriber_id, UNSUBSCRIBED)
        self.tally: Tally | None = None

    def active(self) -> list[Subscriber]:
        return sorted(self.subscribers.with_status(ACTIVE), key=lambda s: s.subscriber_id)

    def dispatch(self):
        return dispatch(
            DAY,
            editions=self.editions,
            subscribers=self.subscribers,
            queue=self.sqs,
            blobs=self.blobs,
            options=DispatchOptions(batch_size=BATCH, require_approval=False),
            now=NOW,
        )

    def run(self, handler, kill_before_delete=frozenset()) -> int:
        self.tally = self.tally or Tally(
            Sender(
                editions=self.editions,
                blobs=self.blobs,
                subscribers=self.subscribers,
                ledger=self.ledger_port,
                mailer=self.mailer_port,
                clock=FakeClock(),
                pacer=self.pacer,
                options=Mailing("Digest <d@news.example.org>", "https://news.example.org/api", "secret"),
            )
        )
        # The container as the handler uses it; the operator's sending switch is on.
        bootstrap.use(SimpleNamespace(sender=self.tally, sending_switch=SimpleNamespace(paused=lambda: "")))
        return self.sqs.drain(handler, kill_before_delete)

    def replay(self, handler) -> int:
        """Re-run dispatch, redeliver every original message, then redrive the dead letters.

        The re-run's batches overlap the original ones (ten subscribers left in between).
        Returns how many messages were in the dead-letter queue before the redrive."""
        assert self.dispatch().messages == 0  # the edition is sent: a plain re-run is refused
        record = self.editions.latest(DAY)  # a dispatch that died before finishing left it "sending"
        self.editions.update(replace(record, status="sending"))
        assert self.dispatch().messages == len(self.bodies)
        self.sqs.send(self.bodies)
        self.run(handler)
        dead = len(self.sqs.dlq)
        self.sqs.redrive()  # an operator moves the dead letters back
        self.run(handler)
        return dead

    def reconcile(self) -> Counter:
        events = [
            {
                "eventType": kind,
                "mail": {
                    "messageId": s.message_id,
                    "destination": [s.recipient],
                    "tags": {k: [v] for k, v in s.tags.items()},
                },
                kind.lower(): {"timestamp": NOW.isoformat(), "recipients": [s.recipient]},
            }
            for s in self.mailer.sent
            for kind in ("Send", "Delivery")
        ]
        events += self.rng.sample(events, len(events) // 10)  # SNS delivers some twice
        self.rng.shuffle(events)
        feedback = Feedback(subscribers=self.subscribers, ledger=self.ledger, clock=FakeClock())
        return Counter(feedback.handle(e).action for e in events)

    def states(self) -> Counter:
        return Counter(d.state for d in self.ledger.for_edition(DAY))

    def check(self, unknown: set[str] = frozenset()) -> Counter:
        """Zero duplicates; every active subscriber mailed and SENT except ``unknown`` (CLAIMED, unmailed)."""
        mails = Counter(self.mailer.recipients())
        assert max(mails.values()) == 1, "somebody was mailed twice"
        active = self.active()
        assert set(mails) == {s.email for s in active if s.subscriber_id not in unknown}
        for s in active:
            assert self.ledger.state(DAY, s.subscriber_id) == (CLAIMED if s.subscriber_id in unknown else SENT)
        others = [s for s in self.subscribers.subscribers.values() if s.status != ACTIVE]
        assert not any(mails[s.email] for s in others)
        return mails


@pytest.fixture(scope="module")
def handler():
    spec = importlib.util.spec_from_file_location("send_app_under_faults", ROOT / "functions" / "send" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module.handler
    bootstrap.use(None)


@pytest.fixture(autouse=True)
def _quiet_loggers():
    names = (send_module.logger.name, dispatch_module.logger.name, feedback_module.logger.name, "morning-digest-tests")
    loggers = [logging.getLogger(name) for name in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    yield
    for lg, level in zip(loggers, levels):
        lg.setLevel(level)


def report(name: str, p: Pipeline, **extra) -> None:
    counts = dict(
        mailed=len(p.mailer.sent),
        duplicates=sum(n - 1 for n in Counter(p.mailer.recipients()).values()),
        **{f"ledger_{k}": v for k, v in sorted(p.states().items())},
        dlq=len(p.sqs.dlq),
        **extra,
    )
    print(f"\n[{name}] " + " ".join(f"{k}={v}" for k, v in counts.items()))


def victims_of(p: Pipeline) -> set[str]:
    return {s.subscriber_id for s in p.rng.sample(p.active(), VICTIMS)}


def emails(p: Pipeline, sids: set[str]) -> set[str]:
    return {s.email for s in p.active() if s.subscriber_id in sids}


def test_a_a_kill_right_after_the_claim_is_never_sent_twice_and_re_sent_once_ses_is_silent(handler):
    p = Pipeline()
    victims = victims_of(p)
    p.ledger_port = FaultyLedger(p.ledger, victims)
    p.run(handler)
    first_dlq = len(p.sqs.dlq)
    dead = p.replay(handler)
    assert p.ledger_port.victims == set()  # every kill fired
    reconciled = p.reconcile()
    # No SES event exists for a call that never happened: the victims stay unknown (never re-sent
    # blindly, never sent twice) ...
    p.check(unknown=victims)
    assert p.states() == Counter({SENT: len(p.active()) - VICTIMS, CLAIMED: VICTIMS})
    assert p.tally.totals["unknown"] >= VICTIMS and p.sqs.dlq == []
    # ... until SES has stayed silent about them past the grace period: then they are re-sent once.
    too_early = resend_unaccounted(DAY, VERSION, "email-noaudio", ledger=p.ledger, queue=p.sqs, now=datetime.now(UTC))
    assert too_early == []
    again = resend_unaccounted(
        DAY, VERSION, "email-noaudio", ledger=p.ledger, queue=p.sqs, now=datetime.now(UTC) + timedelta(minutes=20)
    )
    assert set(again) == victims
    p.run(handler)
    p.check()
    assert p.states() == Counter({SENT: len(p.active())})
    report(
        "a: killed right after the claim",
        p,
        unknown_reported=p.tally.totals["unknown"],
        dlq_after_first_run=first_dlq,
        dlq_before_redrive=dead,
        feedback_events=sum(reconciled.values()),
        re_sent_after_grace=len(again),
    )


def test_a_failures_before_ses_saw_the_message_leave_no_claim_and_lose_nobody(handler):
    p = Pipeline()
    victims = victims_of(p)
    # SES unreachable for the victims (no connection was made, so the request never left) ...
    p.mailer_port = FaultyMailer(p.mailer, once_for(emails(p, victims), "unreachable"))
    # ... and the process killed 5 times while it waited for a pacer token (before the claim).
    now, kills, sleeps = [0.0], {3, 40, 41, 300, 900}, itertools.count(1)

    def sleep(seconds: float) -> None:
        if next(sleeps) in kills:
            raise Killed("killed while waiting for a token")
        now[0] += seconds

    p.pacer = Pacer(100.0, 5, lambda: now[0], sleep)
    p.run(handler)
    first_dlq = len(p.sqs.dlq)
    dead = p.replay(handler)
    p.reconcile()
    p.check()
    assert p.mailer_port.faults["unreachable"] == VICTIMS and next(sleeps) > max(kills)
    assert p.tally.totals["unknown"] == 0 and p.states() == Counter({SENT: len(p.active())})
    report(
        "a: SES unreachable / killed in the pacer wait",
        p,
        unknown_reported=p.tally.totals["unknown"],
        unreachable=VICTIMS,
        pacer_kills=len(kills),
        dlq_after_first_run=first_dlq,
        dlq_before_redrive=dead,
    )


def test_b_a_kill_after_ses_accepted_is_unknown_until_ses_events_reconcile_it(handler):
    p = Pipeline()
    victims = victims_of(p)
    p.mailer_port = FaultyMailer(p.mailer, once_for(emails(p, victims), "killed"))
    p.run(handler)
    first_dlq = len(p.sqs.dlq)
    dead = p.replay(handler)
    assert p.mailer_port.faults["killed"] == VICTIMS
    before = p.states()
    assert {d.subscriber_id for d in p.ledger.for_edition(DAY) if d.state == CLAIMED} == victims
    reconciled = p.reconcile()
    mails = p.check()  # now everyone is SENT, each mailed once
    assert sum(mails.values()) == len(p.active())
    for sent in p.mailer.sent:
        assert p.ledger.get(DAY, sent.tags["subscriber"]).message_id == sent.message_id
    assert p.tally.totals["unknown"] >= VICTIMS and p.sqs.dlq == []
    late = datetime.now(UTC) + timedelta(minutes=20)  # SES reported them: nothing to re-send
    assert resend_unaccounted(DAY, VERSION, "email-noaudio", ledger=p.ledger, queue=p.sqs, now=late) == []
    report(
        "b: killed after SES accepted",
        p,
        claimed_before_reconcile=before[CLAIMED],
        unknown_reported=p.tally.totals["unknown"],
        dlq_after_first_run=first_dlq,
        dlq_before_redrive=dead,
        feedback_events=sum(reconciled.values()),
    )


def test_c_a_kill_after_the_ledger_mark_before_the_sqs_delete_sends_nothing_twice(handler):
    p = Pipeline()
    p.run(handler, kill_before_delete={1, 2})
    dead = p.replay(handler)
    p.reconcile()
    p.check()
    assert p.tally.totals["unknown"] == 0 and p.tally.totals["already"] > 0
    assert p.states() == Counter({SENT: len(p.active())}) and dead == 0
    report("c: killed before the SQS delete", p, already=p.tally.totals["already"], dlq_before_redrive=dead)


def test_ten_percent_throttling_ends_with_everyone_sent_exactly_once(handler):
    p = Pipeline()
    dice = random.Random(10)
    p.mailer_port = FaultyMailer(p.mailer, lambda recipient: "throttle" if dice.random() < 0.10 else None)
    now = [0.0]
    p.pacer = Pacer(50.0, 10, lambda: now[0], lambda s: now.__setitem__(0, now[0] + s))
    p.run(handler)
    assert p.sqs.dlq == []
    dead = p.replay(handler)
    p.check()
    throttles = p.mailer_port.faults["throttle"]
    assert 0.05 < throttles / sum(p.mailer_port.faults.values()) < 0.15
    assert p.pacer.throttles == throttles and p.tally.totals["retry"] == throttles
    assert p.tally.totals["unknown"] == 0 and dead == 0
    report(
        "throttled ~10%",
        p,
        throttles=throttles,
        ses_calls=sum(p.mailer_port.faults.values()),
        virtual_seconds=round(now[0], 1),
    )


def test_poison_messages_reach_the_dlq_after_five_receives_and_the_rest_is_sent(handler):
    p = Pipeline()
    p.editions.add(EditionRecord(DAY, 7, "h", "sending", 3, "Morning Digest", NOW.isoformat()))  # no blobs
    ids = json.loads(p.bodies[0])["subscriber_ids"]
    poison = ["{not json", json.dumps({"edition_date": DAY, "version": 7, "variant": "email", "subscriber_ids": ids})]
    p.sqs.send(poison)
    p.run(handler)
    assert sorted(m.body for m in p.sqs.dlq) == sorted(poison)
    assert all(m.receives == MAX_RECEIVES for m in p.sqs.dlq)
    p.check()
    assert p.tally.totals["sent"] == len(p.active())
    report("poison messages", p, poison_receives=[m.receives for m in p.sqs.dlq])


def test_while_ses_is_paused_batches_keep_no_claim_and_go_to_the_dlq_then_a_redrive_sends_all(handler):
    p = Pipeline()
    paused = [True]
    p.mailer_port = FaultyMailer(p.mailer, lambda recipient: "paused" if paused[0] else None)
    p.run(handler)
    assert len(p.sqs.dlq) == len(p.bodies) and all(m.receives == MAX_RECEIVES for m in p.sqs.dlq)
    assert p.mailer.sent == [] and p.states() == Counter()  # every claim was released
    # One SES call per receive: a paused batch stops at its first recipient.
    assert p.mailer_port.faults["paused"] == len(p.bodies) * MAX_RECEIVES
    paused[0] = False  # the operator resumes sending and redrives the dead-letter queue
    p.sqs.redrive()
    p.run(handler)
    p.check()
    assert p.sqs.dlq == [] and p.tally.totals["unknown"] == 0
    report("SES paused, then redriven", p, paused_calls=p.mailer_port.faults["paused"])


def test_a_pause_stops_the_batch_releases_the_claim_and_returns_the_untried_recipients():
    p = Pipeline()
    ids = json.loads(p.bodies[0])["subscriber_ids"][:6]
    calls = itertools.count(1)
    p.mailer_port = FaultyMailer(p.mailer, lambda recipient: "paused" if next(calls) == 3 else None)
    sender = Sender(
        editions=p.editions,
        blobs=p.blobs,
        subscribers=p.subscribers,
        ledger=p.ledger,
        mailer=p.mailer_port,
        clock=FakeClock(),
        options=Mailing("d@news.example.org", "https://x", "s"),
    )
    result = sender.send_batch(DAY, VERSION, ids, variant="email-noaudio")
    assert (result.sent, result.retry) == (2, ids[2:])
    assert [p.ledger.state(DAY, sid) for sid in ids] == [SENT, SENT, None, None, None, None]
    assert sum(p.mailer_port.faults.values()) == 3  # nothing is tried after the pause
