"""digest.services.send.Sender against in-memory fakes: one email per (edition, subscriber)."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from digest.core.tokens import CONFIRM, UNSUBSCRIBE, read_token
from digest.errors import MailAccountBlocked, StorageError
from digest.services import send as send_module
from digest.services.send import BatchResult, Sender
from tests.unit.fakes import (
    FakeBlobStore,
    FakeClock,
    FakeEditionStore,
    FakeLedger,
    FakeMailer,
    FakeSubscriberStore,
)

DAY = "2026-11-28"
VERSION = 2
SECRET = "unit-test-signing-secret"
API = "https://news.example.org/digest/api"
SUBJECT = "Morning Digest: Quake hits Lima"
TEXT = f"Quake hits Lima\n\nUnsubscribe: {UNSUBSCRIBE_SLOT}\nPreferences: {PREFERENCES_SLOT}\n"
HTML = (
    f'<html lang="en"><body><h1>Quake hits Lima</h1><a href="{UNSUBSCRIBE_SLOT}">Unsubscribe</a> '
    f'<a href="{PREFERENCES_SLOT}">Manage preferences</a></body></html>'
)

KEY = id_key("unit-test-signing-secret")  # the ids services make with the tests' signing secret


def person(n: int, status: str = ACTIVE, plan: str = "trial") -> Subscriber:
    address = f"reader{n}@example.com"
    return Subscriber(subscriber_id(address, KEY), address, status, plan)


class World:
    """A Sender wired to fresh fakes holding one stored edition version."""

    def __init__(
        self,
        subscribers: list[Subscriber],
        *,
        store_edition: bool = True,
        blobs: tuple[str, ...] = ("email.txt", "email.html"),
    ):
        self.editions = FakeEditionStore()
        self.blobs = FakeBlobStore()
        self.subscribers = FakeSubscriberStore(subscribers)
        self.ledger = FakeLedger()
        self.mailer = FakeMailer()
        self.clock = FakeClock()
        if store_edition:
            self.editions.add(EditionRecord(DAY, VERSION, "hash", "sending", 3, SUBJECT, "2026-11-28T10:00:00+00:00"))
        parts = {"email.txt": TEXT, "email.html": HTML}
        for name in blobs:
            self.blobs.put(version_key(DAY, VERSION, name), parts[name].encode("utf-8"), "text/plain")
        self.sender = Sender(
            editions=self.editions,
            blobs=self.blobs,
            subscribers=self.subscribers,
            ledger=self.ledger,
            mailer=self.mailer,
            clock=self.clock,
            options=Mailing(
                sender="Morning Digest <digest@news.example.org>",
                api_base_url=API,
                signing_secret=SECRET,
                list_id="morning-digest",
            ),
        )

    def send(self, ids: list[str]) -> BatchResult:
        return self.sender.send_batch(DAY, VERSION, ids)

    def mails_to(self, address: str) -> int:
        return self.mailer.recipients().count(address)


@pytest.fixture(autouse=True)
def _quiet_send_logger():
    # Sender logs every batch at INFO; under pytest's log capture thousands of records from the
    # property tests cost a minute. The log line is not what these tests check.
    std = logging.getLogger(send_module.logger.name)
    level = std.level
    std.setLevel(logging.WARNING)
    yield
    std.setLevel(level)


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


# --- the happy path -----------------------------------------------------------------------


def test_sends_one_email_per_active_subscriber_and_skips_the_rest():
    active = [person(1), person(2, plan="paid"), person(3)]
    others = [person(4, PENDING), person(5, UNSUBSCRIBED)]
    w = World(active + others)
    ids = [s.subscriber_id for s in active + others] + ["sub-nobody"]
    result = w.send(ids)
    assert (result.sent, result.skipped, result.already, result.unknown, result.failed, result.retry) == (
        3,
        3,
        0,
        0,
        0,
        [],
    )
    assert sorted(w.mailer.recipients()) == sorted(s.email for s in active)
    for s, sent in zip(active, w.mailer.sent):
        d = w.ledger.get(DAY, s.subscriber_id)
        assert d.state == SENT and d.message_id == sent.message_id
        assert sent.tags == {"edition": DAY, "plan": s.plan, "subscriber": s.subscriber_id}
    for s in others:
        assert w.ledger.get(DAY, s.subscriber_id) is None


def test_each_message_is_the_stored_edition_for_its_recipient():
    w = World([person(1)])
    w.send([person(1).subscriber_id])
    [sent] = w.mailer.sent
    msg = parsed(sent.raw)
    assert msg["To"] == "reader1@example.com"
    assert msg["Subject"] == SUBJECT
    assert msg["From"] == "Morning Digest <digest@news.example.org>"
    assert msg["List-Id"] == "<morning-digest>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain, html = msg.iter_parts()
    assert "Quake hits Lima" in plain.get_content() and "<h1>Quake hits Lima</h1>" in html.get_content()
    for part in (plain.get_content(), html.get_content()):
        assert UNSUBSCRIBE_SLOT not in part and PREFERENCES_SLOT not in part


def test_a_reader_who_asked_for_plain_text_gets_the_text_part_alone():
    from dataclasses import replace

    plain = replace(person(1), plain_text=True)
    w = World([plain, person(2)])
    w.send([plain.subscriber_id, person(2).subscriber_id])
    by_address = {parsed(s.raw)["To"]: parsed(s.raw) for s in w.mailer.sent}
    text_only, both = by_address["reader1@example.com"], by_address["reader2@example.com"]
    assert text_only.get_content_type() == "text/plain" and not text_only.is_multipart()
    assert "Quake hits Lima" in text_only.get_content() and "<h1>" not in text_only.get_content()
    assert UNSUBSCRIBE_SLOT not in text_only.get_content() and "unsubscribe" in text_only.get_content().lower()
    assert text_only["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # one click still works
    assert both.get_content_type() == "multipart/alternative"


def test_unsubscribe_links_are_per_subscriber_and_name_them():
    people = [person(n) for n in range(1, 5)]
    w = World(people)
    w.send([p.subscriber_id for p in people])
    urls = {}
    for sent in w.mailer.sent:
        msg = parsed(sent.raw)
        m = re.fullmatch(r"<(https://[^<>\s]+)>", str(msg["List-Unsubscribe"]))
        assert m, msg["List-Unsubscribe"]
        url = m.group(1)
        assert url.startswith(f"{API}/unsubscribe/")
        token = url.rsplit("/", 1)[1]
        sid = subscriber_id(sent.recipient, KEY)
        assert read_token(SECRET, UNSUBSCRIBE, token) == sid
        assert read_token(SECRET, CONFIRM, token) is None
        assert read_token("another-secret", UNSUBSCRIBE, token) is None
        # The same link is in the body, escaped in HTML.
        plain, html = msg.iter_parts()
        assert f"Unsubscribe: {url}" in plain.get_content()
        assert f'href="{url}"' in html.get_content()
        urls[sent.recipient] = url
    assert len(set(urls.values())) == len(people)


def test_manage_preferences_link_is_not_the_unsubscribe_link():
    w = World([person(1)])
    w.send([person(1).subscriber_id])
    plain, html = parsed(w.mailer.sent[0].raw).iter_parts()
    text = plain.get_content()
    unsub = re.search(r"Unsubscribe: (\S+)", text).group(1)
    prefs = re.search(r"Preferences: (\S+)", text).group(1)
    assert prefs != unsub


def test_message_id_is_stable_per_edition_day_and_subscriber():
    p, q = person(1), person(2)
    first, second = World([p, q]), World([p, q])
    first.send([p.subscriber_id, q.subscriber_id])
    second.send([q.subscriber_id, p.subscriber_id])
    ids1 = {s.recipient: parsed(s.raw)["Message-ID"] for s in first.mailer.sent}
    ids2 = {s.recipient: parsed(s.raw)["Message-ID"] for s in second.mailer.sent}
    assert ids1 == ids2
    assert ids1[p.email] != ids1[q.email]


def test_send_message_reads_a_queue_body():
    p = person(1)
    w = World([p])
    body = json.dumps({"edition_date": DAY, "version": VERSION, "subscriber_ids": [p.subscriber_id]})
    result = w.sender.send_message(body)
    assert result.sent == 1
    assert w.mailer.recipients() == [p.email]


def test_missing_edition_or_part_is_a_storage_error_and_sends_nothing():
    p = person(1)
    for world in (World([p], store_edition=False), World([p], blobs=("email.txt",)), World([p], blobs=("email.html",))):
        with pytest.raises(StorageError):
            world.send([p.subscriber_id])
        assert world.mailer.attempts == []
        assert world.ledger.records == {}


# --- replays ------------------------------------------------------------------------------


def test_replaying_a_batch_sends_nothing_more():
    people = [person(n) for n in range(1, 4)]
    w = World(people + [person(9, PENDING)])
    ids = [p.subscriber_id for p in people] + [person(9).subscriber_id]
    w.send(ids)
    again = w.send(ids)
    assert (again.sent, again.already, again.skipped, again.unknown) == (0, 3, 1, 0)
    assert len(w.mailer.sent) == 3


def test_duplicate_id_within_one_batch_is_sent_once():
    p = person(1)
    w = World([p])
    result = w.send([p.subscriber_id, p.subscriber_id])
    assert (result.sent, result.already) == (1, 1)
    assert w.mails_to(p.email) == 1


def test_throttled_recipient_is_released_and_retried_once():
    p, q = person(1), person(2)
    w = World([p, q])
    w.mailer.fail(p.email, "throttle")
    first = w.send([p.subscriber_id, q.subscriber_id])
    assert first.retry == [p.subscriber_id]
    assert (first.sent, first.failed, first.unknown) == (1, 0, 0)
    assert w.ledger.get(DAY, p.subscriber_id) is None  # claim released
    assert w.mails_to(p.email) == 0

    w.mailer.heal(p.email)
    retry = w.send(first.retry)
    assert (retry.sent, retry.retry) == (1, [])
    assert w.mails_to(p.email) == 1
    assert w.ledger.get(DAY, p.subscriber_id).state == SENT

    later = w.send([p.subscriber_id, q.subscriber_id])
    assert (later.sent, later.already) == (0, 2)
    assert w.mails_to(p.email) == 1 and w.mails_to(q.email) == 1


def test_rejected_recipient_is_failed_and_never_retried():
    p, q = person(1), person(2)
    w = World([p, q])
    w.mailer.fail(p.email, "reject")
    result = w.send([p.subscriber_id, q.subscriber_id])
    assert (result.sent, result.failed, result.retry) == (1, 1, [])
    d = w.ledger.get(DAY, p.subscriber_id)
    assert d.state == FAILED and "blacklisted" in d.detail

    w.mailer.heal(p.email)
    again = w.send([p.subscriber_id])
    assert (again.sent, again.already, again.failed) == (0, 1, 0)
    assert w.mailer.attempts.count(p.email) == 1
    assert w.mails_to(p.email) == 0


def test_an_unknown_ses_outcome_is_counted_the_batch_goes_on_and_it_is_never_resent():
    p, q = person(1), person(2)
    w = World([p, q])
    w.mailer.fail(p.email, "boom")  # a 5xx or a read timeout: SES may have accepted it
    first = w.send([p.subscriber_id, q.subscriber_id])
    assert (first.unknown, first.sent, first.retry) == (1, 1, [])  # the batch went on
    claim = w.ledger.get(DAY, p.subscriber_id)
    assert claim.state == CLAIMED and claim.detail.startswith("unknown: MailerBoom")  # says why

    w.mailer.heal(p.email)  # even if a replay could now succeed, the policy is at most once
    replay = w.send([p.subscriber_id, q.subscriber_id])
    assert (replay.unknown, replay.sent, replay.already, replay.retry) == (1, 0, 1, [])
    assert w.mails_to(p.email) == 0
    assert w.mails_to(q.email) == 1
    assert w.mailer.attempts.count(p.email) == 1


def test_unencodable_address_does_not_leave_a_stale_claim_or_stop_the_batch():
    bad = Subscriber(subscriber_id("josé@example.com", KEY), "josé@example.com", ACTIVE)
    good = person(1)
    w = World([bad, good])
    try:
        w.send([bad.subscriber_id, good.subscriber_id])
    finally:
        assert w.ledger.state(DAY, bad.subscriber_id) != CLAIMED
    assert w.mails_to(good.email) == 1


# --- properties ---------------------------------------------------------------------------

_N = 5
_statuses = st.lists(st.sampled_from([ACTIVE, ACTIVE, ACTIVE, PENDING, UNSUBSCRIBED]), min_size=1, max_size=_N)


def _base_batches(ids: list[str], size: int) -> list[list[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@settings(max_examples=200, deadline=None)
@given(st.data(), _statuses, st.integers(min_value=1, max_value=4))
def test_any_replays_of_overlapping_batches_mail_each_active_subscriber_exactly_once(data, statuses, size):
    people = [person(n, status) for n, status in enumerate(statuses)]
    ids = sorted(p.subscriber_id for p in people) + ["sub-unknown"]
    w = World(people)
    base = _base_batches(ids, size)
    extra = data.draw(st.lists(st.lists(st.sampled_from(ids), max_size=5), max_size=4), label="overlapping")
    schedule = data.draw(
        st.permutations(base + extra + data.draw(st.lists(st.sampled_from(base), max_size=4), label="replays")),
        label="schedule",
    )
    totals = BatchResult()
    for batch in schedule:
        r = w.send(batch)
        totals.sent += r.sent
        assert r.retry == [] and r.failed == 0 and r.unknown == 0
    active = [p for p in people if p.status == ACTIVE]
    for p in people:
        assert w.mails_to(p.email) == (1 if p.status == ACTIVE else 0)
    assert totals.sent == len(active) == len(w.mailer.sent)


@settings(max_examples=200, deadline=None)
@given(st.data(), _statuses, st.integers(min_value=1, max_value=4))
def test_with_faults_nobody_is_mailed_twice_and_throttles_are_retried(data, statuses, size):
    people = [person(n, status) for n, status in enumerate(statuses)]
    ids = sorted(p.subscriber_id for p in people)
    w = World(people)
    faults = {}
    for p in people:
        kind = data.draw(st.sampled_from([None, None, "throttle", "reject", "boom"]), label=f"fault {p.email}")
        if kind is not None:
            times = data.draw(st.integers(min_value=1, max_value=3), label=f"times {p.email}")
            w.mailer.fail(p.email, kind, times)
            faults[p.email] = kind
    schedule = data.draw(st.lists(st.sampled_from(_base_batches(ids, size)), min_size=1, max_size=5), label="schedule")
    schedule += _base_batches(ids, size)  # dispatch's batches are delivered at least once
    # A queue: a batch whose handler raised is redelivered; throttled recipients go back as a new batch.
    queue = [(batch, 0) for batch in schedule]
    while queue:
        batch, deliveries = queue.pop(0)
        r = w.send(batch)  # an unknown outcome (boom) no longer raises out of the batch
        if r.retry:
            assert deliveries < 5, "throttled recipients must go through once the throttle lifts"
            queue.append((r.retry, deliveries + 1))
    for p in people:
        mailed = w.mails_to(p.email)
        assert mailed <= 1
        state = w.ledger.state(DAY, p.subscriber_id)
        if p.status != ACTIVE:
            assert mailed == 0 and state is None
        elif faults.get(p.email) in (None, "throttle"):
            assert mailed == 1 and state == SENT
        elif faults[p.email] == "reject":
            assert mailed == 0 and state == FAILED
        else:  # boom: at most once, outcome left unknown
            assert mailed == 0 and state == CLAIMED
    # Every message the mailer accepted is recorded as sent with its id.
    for sent in w.mailer.sent:
        d = w.ledger.get(DAY, subscriber_id(sent.recipient, KEY))
        assert d.state == SENT and d.message_id == sent.message_id


# --- SES refuses every message of the account: pause, keep the readers for later, tell the editor ---


class Switch:
    def __init__(self, broken: bool = False) -> None:
        self.reasons: list[str] = []
        self.broken = broken

    def paused(self) -> str | None:
        return self.reasons[-1] if self.reasons else None

    def pause(self, reason: str) -> None:
        if self.broken:
            raise StorageError("cannot set the sending switch")
        self.reasons.append(reason)

    def resume(self) -> None:
        self.reasons.clear()


class BlockedAfter(FakeMailer):
    """Accepts ``accept`` messages, then refuses everything like an account-level SES error."""

    def __init__(self, accept: int, reason: str) -> None:
        super().__init__()
        self.accept, self.reason = accept, reason

    def send_raw(self, raw, recipient, tags):
        if len(self.sent) >= self.accept:
            self.attempts.append(recipient)
            raise MailAccountBlocked(self.reason)
        return super().send_raw(raw, recipient, tags)


@pytest.mark.parametrize("broken_switch", [False, True])
def test_an_account_level_refusal_pauses_sending_and_fails_nobody(broken_switch):
    people = [person(n) for n in range(1, 6)]
    w = World(people)
    reason = "the SES configuration set does not exist (NotFoundException: Configuration set <x> does not exist.)"
    w.sender.mailer = w.mailer = BlockedAfter(2, reason)
    w.sender.switch = switch = Switch(broken=broken_switch)
    ids = [p.subscriber_id for p in people]
    result = w.send(ids)
    assert (result.sent, result.failed, result.unknown) == (2, 0, 0)
    assert result.retry == ids[2:] and result.paused == reason
    assert w.mailer.attempts.count(people[2].email) == 1  # the batch stopped at the first refusal
    assert all(w.ledger.get(DAY, sid) is None for sid in ids[2:])  # claims released: retried later
    assert switch.reasons == ([] if broken_switch else [f"SES: {reason}"])  # the editor reads why

    w.sender.mailer = w.mailer = FakeMailer()  # someone fixed the account and resumed
    again = w.send(result.retry)
    assert (again.sent, again.retry, again.paused) == (3, [], "")
    assert sorted(w.mailer.recipients()) == sorted(p.email for p in people[2:])


# --- the per-recipient path ---------------------------------------------------------------


def test_each_copy_is_the_message_built_from_its_personalized_parts():
    """The parts are encoded once per edition version; every copy is still exactly what building
    it whole from that recipient's personalized parts gives."""
    from digest.core.message import Envelope, build_message
    from digest.core.render import Recipient, personalize

    people = [person(n) for n in range(1, 4)]
    w = World(people)
    w.send([p.subscriber_id for p in people])
    for p, sent in zip(people, w.mailer.sent):
        url = re.fullmatch(r"<(.+)>", str(parsed(sent.raw)["List-Unsubscribe"])).group(1)
        token = url.rsplit("/", 1)[1]
        who = Recipient(url, f"{API}/preferences/{token}")
        envelope = Envelope(
            "Morning Digest <digest@news.example.org>",
            p.email,
            SUBJECT,
            "morning-digest",
            url,
            f"{DAY}:{p.subscriber_id}",
        )
        whole = build_message(
            envelope, personalize(TEXT, who, is_html=False), personalize(HTML, who, is_html=True), w.clock.now()
        )
        assert sent.raw == whole


def test_a_batch_logs_once_at_info_not_once_per_recipient(caplog):
    people = [person(n) for n in range(1, 31)]
    w = World(people)
    logging.getLogger(send_module.logger.name).setLevel(logging.INFO)
    with caplog.at_level(logging.INFO):
        assert w.send([p.subscriber_id for p in people]).sent == 30
    assert len([r for r in caplog.records if r.levelno <= logging.INFO]) == 1
