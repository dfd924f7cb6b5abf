"""The whole send pipeline on fakes under chosen faults: 1,100 subscribers (1,000 active), batches of 50.

dispatch -> ``FakeSqs`` (``fake_sqs.py``: visibility timeouts on a virtual clock, receive counts,
dead letters after five receives, delayed messages) -> the real send handler
(``functions/send/app.py``), which parks waiting work as new delayed messages -> ``Sender`` on
the fakes of ``fakes.py``. Ten subscribers unsubscribe between dispatch and send.

Faults come from wrapped fakes. ``Killed`` is a ``BaseException``, like a Lambda timeout or an
out-of-memory kill: it ends the whole invocation and none of its messages is deleted.

Loss is checked after the queue drains and before anything is replayed: a reader the send path
dropped shows as lost here, not hidden by a later re-run. Then ``replay`` (a re-run dispatch and
every original message again) must send nothing twice. An outcome nobody can know (a kill
between the claim and the SES call) stays ``claimed``, is reported, and is re-sent only by the
editor's explicit decision (``resend_unaccounted(unknown=RESEND)``). Random schedules of every
fault together are in ``test_send_schedules.py``.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import logging
import random
from collections import Counter
from dataclasses import replace
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
from digest.core.subscriber import ACTIVE, CLAIMED, PENDING, SENT, UNSUBSCRIBED, Subscriber, id_key, subscriber_id
from digest.errors import MailPaused, MailThrottled, StorageError
from digest.services import dispatch as dispatch_module
from digest.services import feedback as feedback_module
from digest.services import send as send_module
from digest.services import send_claims as send_claims_module
from digest.services import send_queue as send_queue_module
from digest.services.dispatch import DispatchOptions, dispatch
from digest.services.feedback import Feedback
from digest.services.reconcile import RESEND, resend_unaccounted, unaccounted
from digest.services.send import Sender
from tests.unit.fake_sqs import FakeSqs
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

KEY = id_key("unit-test-signing-secret")  # the ids services make with the tests' signing secret


class Killed(BaseException):
    """The runtime ended the process: nothing in our code (or Powertools) catches it."""


class Drain:
    """The Lambda event source on ``FakeSqs``: receive up to ten, invoke, delete what did not fail."""

    def __init__(self, sqs: FakeSqs, clock: list[float]) -> None:
        self.sqs, self.clock, self.invocations = sqs, clock, 0

    def __call__(self, handler, kill_before_delete=frozenset(), limit: int = 10_000) -> int:
        """Invoke ``handler`` until the queue is empty (waiting out delays and visibility timeouts)."""
        while self.sqs.pending() and limit:
            limit -= 1
            batch = self.sqs.receive(10)
            if not batch:
                self.clock[0] = max(self.clock[0] + 1, self.sqs.next_visible() or 0)
                continue
            self.invocations += 1
            try:
                reply = handler({"Records": FakeSqs.records(batch)}, CONTEXT)
                if self.invocations in kill_before_delete:
                    raise Killed("after the handler returned, before the deletes")
                failed = {f["itemIdentifier"] for f in reply["batchItemFailures"]}
            except Killed:
                failed = {m.message_id for m in batch}
            for message in batch:
                if message.message_id not in failed:
                    self.sqs.delete(message)
        return self.invocations


class Tally:
    """The container's ``sender`` as the handler sees it, adding up every batch's outcome."""

    def __init__(self, sender: Sender) -> None:
        self.sender, self.totals = sender, Counter()

    def __getattr__(self, name: str):
        return getattr(self.sender, name)

    def send_message(self, body: str, time_left=None):
        result = self.sender.send_message(body, time_left)
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

    def claim(self, edition_id: str, sid: str, owner: str = "") -> bool:
        claimed = self.inner.claim(edition_id, sid, owner)
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
            Subscriber(
                subscriber_id(f"r{i}@example.com", KEY), f"r{i}@example.com", PENDING if i % 11 == 10 else ACTIVE
            )
            for i in range(SUBSCRIBERS)
        ]
        self.editions, self.blobs = FakeEditionStore(), FakeBlobStore()
        self.clock = [0.0]  # virtual seconds since NOW: the queue's, the ledger's and the sender's time
        self.vclock = SimpleNamespace(now=lambda: NOW + timedelta(seconds=self.clock[0]))
        self.subscribers, self.mailer = FakeSubscriberStore(people), FakeMailer()
        self.ledger = FakeLedger(self.vclock)
        self.editions.add(EditionRecord(DAY, VERSION, "h", "approved", 3, "Morning Digest", NOW.isoformat()))
        for name, data in (("edition.json", "{}"), ("email-noaudio.txt", TEXT), ("email-noaudio.html", HTML)):
            self.blobs.put(version_key(DAY, VERSION, name), data.encode(), "text/plain")
        self.sqs = FakeSqs(lambda: self.clock[0], visibility=1800.0, max_receives=MAX_RECEIVES)
        self.drain, self.redriven = Drain(self.sqs, self.clock), 0
        self.switch = SimpleNamespace(paused=lambda: "", pause=lambda reason: None)
        self.ledger_port, self.mailer_port, self.pacer = self.ledger, self.mailer, None
        assert self.dispatch().messages == 1_000 // BATCH
        self.bodies = [m.body for m in self.sqs.messages.values()]
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

    def run(self, handler, kill_before_delete=frozenset(), limit: int = 10_000) -> int:
        self.tally = self.tally or Tally(
            Sender(
                editions=self.editions,
                blobs=self.blobs,
                subscribers=self.subscribers,
                ledger=self.ledger_port,
                mailer=self.mailer_port,
                clock=self.vclock,
                pacer=self.pacer,
                options=Mailing("Digest <d@news.example.org>", "https://news.example.org/api", "secret"),
            )
        )
        # The container as the handler uses it: the operator's switch, the queue to park waiting work.
        bootstrap.use(SimpleNamespace(sender=self.tally, sending_switch=self.switch, send_parking=self.sqs))
        invocations = self.drain(handler, kill_before_delete, limit)
        if self.sqs.dlq and limit == 10_000:  # the alarm fires; the operator runs `digest queue redrive`
            self.redriven += self.sqs.redrive()
            invocations = self.drain(handler, kill_before_delete, limit)
        return invocations

    def replay(self, handler) -> int:
        """After loss was checked: re-run dispatch, redeliver every original message, then redrive
        the dead letters; nobody may be mailed twice. The re-run's batches overlap the original
        ones (ten subscribers left in between). Returns how many dead letters were redriven."""
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
    names = (
        send_module.logger.name,
        dispatch_module.logger.name,
        feedback_module.logger.name,
        send_queue_module.logger.name,
        send_claims_module.logger.name,
        "morning-digest-tests",
    )
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


def test_a_a_kill_right_after_the_claim_is_reported_never_resent_on_silence_and_resent_by_the_editor(handler):
    p = Pipeline()
    victims = victims_of(p)
    p.ledger_port = FaultyLedger(p.ledger, victims)
    p.run(handler)
    assert p.ledger_port.victims == set()  # every kill fired
    reconciled = p.reconcile()
    # Before any replay: everyone else mailed once; the victims unmailed, claimed, reported unknown.
    p.check(unknown=victims)
    report_now = unaccounted(DAY, ledger=p.ledger, now=p.vclock.now() + timedelta(hours=3))
    assert set(report_now.unknown) == victims and report_now.in_flight == 0
    dead = p.replay(handler)
    p.check(unknown=victims)
    assert p.states() == Counter({SENT: len(p.active()) - VICTIMS, CLAIMED: VICTIMS})
    assert p.tally.totals["unknown"] >= VICTIMS and p.sqs.dlq == []
    # SES said nothing about them, for hours: silence is not proof, resend-failures keeps them ...
    late = p.vclock.now() + timedelta(hours=3)
    assert resend_unaccounted(DAY, VERSION, "email-noaudio", ledger=p.ledger, queue=p.sqs, now=late) == []
    # ... until the editor decides explicitly to re-send the unknown outcomes.
    again = resend_unaccounted(DAY, VERSION, "email-noaudio", ledger=p.ledger, queue=p.sqs, now=late, unknown=RESEND)
    assert set(again) == victims
    p.run(handler)
    p.check()
    assert p.states() == Counter({SENT: len(p.active())})
    report(
        "a: killed right after the claim",
        p,
        unknown_reported=p.tally.totals["unknown"],
        dlq_before_redrive=dead,
        feedback_events=sum(reconciled.values()),
        re_sent_by_the_editor=len(again),
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
    p.check()  # before any replay
    dead = p.replay(handler)
    p.check()
    assert p.mailer_port.faults["unreachable"] == VICTIMS and next(sleeps) > max(kills)
    assert p.tally.totals["unknown"] == 0 and p.states() == Counter({SENT: len(p.active())})
    report(
        "a: SES unreachable / killed in the pacer wait", p, unreachable=VICTIMS, pacer_kills=len(kills), redriven=dead
    )


def test_b_a_kill_after_ses_accepted_is_unknown_until_ses_events_reconcile_it(handler):
    p = Pipeline()
    victims = victims_of(p)
    p.mailer_port = FaultyMailer(p.mailer, once_for(emails(p, victims), "killed"))
    p.run(handler)
    assert p.mailer_port.faults["killed"] == VICTIMS
    assert {d.subscriber_id for d in p.ledger.for_edition(DAY) if d.state == CLAIMED} == victims
    mails = Counter(p.mailer.recipients())
    assert max(mails.values()) == 1 and set(mails) == {s.email for s in p.active()}  # before any replay
    dead = p.replay(handler)
    reconciled = p.reconcile()
    mails = p.check()  # now everyone is SENT, each mailed once
    assert sum(mails.values()) == len(p.active())
    for sent in p.mailer.sent:
        assert p.ledger.get(DAY, sent.tags["subscriber"]).message_id == sent.message_id
    assert p.tally.totals["unknown"] >= VICTIMS and p.sqs.dlq == []
    late = p.vclock.now() + timedelta(minutes=20)  # SES reported them: nothing to re-send
    assert resend_unaccounted(DAY, VERSION, "email-noaudio", ledger=p.ledger, queue=p.sqs, now=late) == []
    report("b: killed after SES accepted", p, redriven=dead, feedback_events=sum(reconciled.values()))


def test_c_a_kill_after_the_ledger_mark_before_the_sqs_delete_sends_nothing_twice(handler):
    p = Pipeline()
    p.run(handler, kill_before_delete={1, 2})
    p.check()  # before any replay
    dead = p.replay(handler)
    p.check()
    assert p.tally.totals["unknown"] == 0 and p.tally.totals["already"] > 0
    assert p.states() == Counter({SENT: len(p.active())}) and dead == 0
    report("c: killed before the SQS delete", p, already=p.tally.totals["already"])


def test_ten_percent_throttling_sends_everyone_exactly_once_before_any_replay(handler):
    p = Pipeline()
    dice = random.Random(10)
    p.mailer_port = FaultyMailer(p.mailer, lambda recipient: "throttle" if dice.random() < 0.10 else None)
    now = [0.0]
    p.pacer = Pacer(50.0, 10, lambda: now[0], lambda s: now.__setitem__(0, now[0] + s))
    p.run(handler)
    p.check()  # throttled readers were parked and sent, not dropped: checked before any replay
    assert p.sqs.dlq == []
    throttles = p.mailer_port.faults["throttle"]
    assert 0.05 < throttles / sum(p.mailer_port.faults.values()) < 0.15
    assert p.pacer.throttles == throttles and p.tally.totals["retry"] >= throttles
    assert p.tally.totals["unknown"] == 0
    dead = p.replay(handler)
    p.check()
    report("throttled ~10%", p, throttles=throttles, ses_calls=sum(p.mailer_port.faults.values()), redriven=dead)


def test_ses_unreachable_for_a_while_loses_nobody_before_any_replay(handler):
    p = Pipeline()
    calls = itertools.count()
    p.mailer_port = FaultyMailer(p.mailer, lambda recipient: "unreachable" if next(calls) < 300 else None)
    p.run(handler)
    p.check()
    assert p.sqs.dlq == [] and p.tally.totals["unknown"] == 0
    report("SES unreachable for 300 calls", p, unreachable=p.mailer_port.faults["unreachable"])


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


def test_while_ses_is_paused_for_hours_batches_are_parked_not_dead_lettered_then_all_are_sent(handler):
    p = Pipeline()
    paused = [True]
    p.mailer_port = FaultyMailer(p.mailer, lambda recipient: "paused" if paused[0] else None)
    p.run(handler, limit=500)  # many rounds of parked batches: hours of virtual time
    assert p.clock[0] > 2 * 3600 and p.sqs.dlq == []
    assert p.mailer.sent == [] and p.states() == Counter()  # every claim was released
    assert all(m.receives <= 1 for m in p.sqs.messages.values())  # waiting counts no receives
    paused[0] = False  # SES takes mail again: the parked batches go out, no redrive needed
    p.run(handler)
    p.check()
    assert p.sqs.dlq == [] and p.tally.totals["unknown"] == 0
    report("SES paused for hours", p, paused_calls=p.mailer_port.faults["paused"], hours=round(p.clock[0] / 3600, 1))


def test_an_operator_pause_of_two_hours_keeps_the_edition_out_of_the_dead_letter_queue(handler):
    p = Pipeline()
    p.switch.paused = lambda: "operator: a complaint to check"
    for _ in range(24):
        p.run(handler, limit=20)
        p.clock[0] += 300
    assert p.sqs.dlq == [] and p.mailer.sent == [] and p.sqs.pending() == len(p.bodies)
    p.switch.paused = lambda: ""
    p.run(handler)
    p.check()
    report("operator pause of two hours", p)


def test_a_pause_stops_the_batch_releases_the_claim_and_returns_the_untried_recipients():
    p = Pipeline()
    ids = json.loads(p.bodies[0])["subscriber_ids"][:6]
    calls = itertools.count(1)
    p.mailer_port = FaultyMailer(p.mailer, lambda recipient: "paused" if next(calls) == 3 else None)
    result = sender_for(p, p.mailer_port).send_batch(DAY, VERSION, ids, variant="email-noaudio")
    assert (result.sent, result.retry) == (2, ids[2:])
    assert [p.ledger.state(DAY, sid) for sid in ids] == [SENT, SENT, None, None, None, None]
    assert sum(p.mailer_port.faults.values()) == 3  # nothing is tried after the pause


# --- what the audit found ------------------------------------------------------------------------


def sender_for(p: Pipeline, mailer, ledger=None) -> Sender:
    return Sender(
        editions=p.editions,
        blobs=p.blobs,
        subscribers=p.subscribers,
        ledger=ledger or p.ledger,
        mailer=mailer,
        clock=p.vclock,
        options=Mailing("d@news.example.org", "https://x", "s"),
    )


def test_two_senders_holding_the_same_message_lose_nobody_when_the_first_is_throttled():
    """The first sender is inside SES's call for X when the second (a duplicate delivery of the same
    message) reaches X; SES then throttles the first. The second must not count X as done."""
    p = Pipeline()
    ids = json.loads(p.bodies[0])["subscriber_ids"][:5]
    x = p.subscribers.get(ids[2]).email
    second = sender_for(p, p.mailer)
    seen = {}

    class InsideTheCall:
        def send_raw(self, raw, recipient, tags):
            if recipient == x and not seen:
                seen["second"] = second.send_batch(DAY, VERSION, ids, variant="email-noaudio")
                raise MailThrottled("Maximum sending rate exceeded")
            return p.mailer.send_raw(raw, recipient, tags)

    first = sender_for(p, InsideTheCall()).send_batch(DAY, VERSION, ids, variant="email-noaudio")
    assert ids[2] in seen["second"].retry and seen["second"].unknown == 0  # held by another sender: later
    assert ids[2] in first.retry and p.ledger.get(DAY, ids[2]) is None  # released: SES never took it
    again = second.send_batch(DAY, VERSION, first.retry, variant="email-noaudio")
    assert again.sent == 1 and Counter(p.mailer.recipients()) == Counter(p.subscribers.get(i).email for i in ids)


class LostReplies:
    """DynamoDB wrote the claim, but its reply was lost and the SDK's retry found the item."""

    def __init__(self, inner: FakeLedger) -> None:
        self.inner = inner

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def claim(self, edition_id: str, sid: str, owner: str = "") -> bool:
        self.inner.claim(edition_id, sid, owner)
        return False


def test_a_lost_claim_reply_is_recognised_as_our_own_claim_and_sent():
    p = Pipeline()
    ids = json.loads(p.bodies[0])["subscriber_ids"][:4]
    result = sender_for(p, p.mailer, LostReplies(p.ledger)).send_batch(DAY, VERSION, ids, variant="email-noaudio")
    assert (result.sent, result.unknown) == (4, 0)
    assert all(p.ledger.state(DAY, sid) == SENT for sid in ids)


class ReleaseThrottled(FakeLedger):
    def release(self, *args, **kwargs) -> None:
        raise StorageError("could not release ledger claim")


def test_a_throttled_release_hands_the_claim_on_so_the_retry_takes_it_over():
    p = Pipeline()
    ledger = ReleaseThrottled(p.vclock)
    ids = json.loads(p.bodies[0])["subscriber_ids"][:3]
    mailer = FaultyMailer(p.mailer, once_for({p.subscribers.get(ids[1]).email}, "throttle"))
    sender = sender_for(p, mailer, ledger)
    first = sender.send_batch(DAY, VERSION, ids, variant="email-noaudio")
    assert first.retry == [ids[1]] and set(first.freed) == {ids[1]}
    assert ledger.state(DAY, ids[1]) == CLAIMED  # stuck, but SES never took it: handed on
    body = {"edition_date": DAY, "version": VERSION, "variant": "email-noaudio", "subscriber_ids": first.retry}
    stranger = sender.send_message(json.dumps({**body, "freed": {ids[1]: "tok-someone-else"}}))
    assert stranger.sent == 0 and stranger.retry == [ids[1]]  # only the owner's token takes it over
    ledger.release = FakeLedger.release.__get__(ledger)  # the store recovers
    again = sender.send_message(json.dumps({**body, "freed": first.freed}))
    assert again.sent == 1 and ledger.state(DAY, ids[1]) == SENT
    assert Counter(p.mailer.recipients())[p.subscribers.get(ids[1]).email] == 1


def test_a_bounce_that_arrives_before_the_senders_mark_is_not_erased():
    p = Pipeline()
    sid = json.loads(p.bodies[0])["subscriber_ids"][0]
    feedback = Feedback(subscribers=p.subscribers, ledger=p.ledger, clock=FakeClock())

    class BounceFirst:
        def send_raw(self, raw, recipient, tags):
            message_id = p.mailer.send_raw(raw, recipient, tags)
            mail = {"messageId": message_id, "tags": {"edition": [DAY], "subscriber": [sid]}}
            bounce = {"bounceType": "Permanent", "bounceSubType": "General"}
            assert feedback.handle({"eventType": "Bounce", "mail": mail, "bounce": bounce}).changed
            return message_id

    result = sender_for(p, BounceFirst()).send_batch(DAY, VERSION, [sid], variant="email-noaudio")
    assert result.sent == 1
    assert p.ledger.get(DAY, sid).detail == "bounced"


def test_an_ses_5xx_mid_batch_is_counted_unknown_and_the_batch_goes_on():
    p = Pipeline()
    ids = json.loads(p.bodies[0])["subscriber_ids"]
    p.mailer.fail(p.subscribers.get(ids[1]).email, "boom")
    result = sender_for(p, p.mailer).send_batch(DAY, VERSION, ids, variant="email-noaudio")
    assert (result.unknown, result.retry, result.sent) == (1, [], len(ids) - 1 - result.skipped)


def test_a_batch_stops_taking_recipients_when_the_time_left_cannot_cover_the_next_send():
    p = Pipeline()
    ids = json.loads(p.bodies[0])["subscriber_ids"]
    left = [40.0]

    class Slow:
        def send_raw(self, raw, recipient, tags):
            left[0] -= 2.0  # each send takes two seconds
            return p.mailer.send_raw(raw, recipient, tags)

    result = sender_for(p, Slow()).send_batch(DAY, VERSION, ids, variant="email-noaudio", time_left=lambda: left[0])
    assert result.out_of_time and 0 < result.sent < len(ids)
    assert left[0] >= 10.0  # the reserve was kept
    assert result.retry == ids[len(ids) - len(result.retry) :]  # the rest, in order
