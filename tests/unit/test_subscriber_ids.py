"""Keyed subscriber ids and the move of legacy records (core.subscriber, services.subscriber_ids) on
in-memory fakes: old links and SES tags keep working, lookups by address find legacy records, and
the migration is idempotent, safe to stop at any point and never undoes a reader's change."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.core.edition import Brand, version_key
from digest.core.edition_record import EditionRecord
from digest.core.mailing import Mailing
from digest.core.render import environment
from digest.core.subscriber import (
    ACTIVE,
    COMPLAINED,
    MOVED,
    PENDING,
    UNSUBSCRIBED,
    Subscriber,
    SubscriberIds,
    is_legacy_id,
    legacy_subscriber_id,
    subscriber_id,
)
from digest.core.tokens import CONFIRM, UNSUBSCRIBE, make_token
from digest.services.feedback import Feedback
from digest.services.subscribe import Subscriptions
from digest.services.subscriber_ids import CONFLICT, NO_ADDRESS, find_by_address, migrate_ids, move_one
from tests.unit.fakes import FakeClock, FakeLedger, FakeMailer, FakeSubscriberStore
from tests.unit.signup_world import signup_ports
from tests.unit.test_send_service import DAY, HTML, TEXT, VERSION, World

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SECRET = "unit-test-signing-secret"
IDS = SubscriberIds.from_secret(SECRET)
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
OPTIONS = Mailing("Morning Digest <digest@news.example.org>", "https://api.news.example.org", SECRET)
ADDRESSES = [f"reader{i}@example.org" for i in range(12)]


def legacy(address: str, status: str = ACTIVE, **fields: object) -> Subscriber:
    """A record as it was stored before ids were keyed."""
    at = "2026-11-01T08:00:00+00:00"
    return Subscriber(legacy_subscriber_id(address), address, status, "paid", updated_at=at, **fields)  # type: ignore[arg-type]


def subscriptions(store: FakeSubscriberStore, mailer: FakeMailer | None = None) -> Subscriptions:
    ports = dict(
        subscribers=store,
        mailer=mailer or FakeMailer(),
        env=environment(TEMPLATES),
        brand=Brand(),
        clock=FakeClock(NOW),
        options=OPTIONS,
    )
    return Subscriptions(**ports, **signup_ports(**ports))


def live(store: FakeSubscriberStore) -> dict[str, list[Subscriber]]:
    """Readers' records (aliases left out) by address."""
    found: dict[str, list[Subscriber]] = {}
    for reader in store.subscribers.values():
        if reader.status != MOVED:
            found.setdefault(reader.email, []).append(reader)
    return found


def test_a_keyed_id_needs_the_key_and_is_told_apart_from_a_legacy_one():
    keyed, old = IDS.of("Ada@Example.org"), legacy_subscriber_id("ada@example.org")
    assert (
        keyed
        == subscriber_id("ada@example.org", IDS.key)
        != SubscriberIds.from_secret("another secret").of("ada@example.org")
    )
    assert keyed.startswith("sub-") and old.startswith("sub-") and len(keyed) != len(old)
    assert not is_legacy_id(keyed) and is_legacy_id(old)
    assert IDS.key != SECRET.encode()  # ids and link tokens never share a key
    with pytest.raises(ValueError):
        SubscriberIds.from_secret("")


def test_a_lookup_by_address_finds_a_legacy_record_and_a_sign_up_uses_it():
    store = FakeSubscriberStore([legacy("ada@example.org", UNSUBSCRIBED)])
    assert find_by_address(store, IDS, "ADA@example.org").subscriber_id == legacy_subscriber_id("ada@example.org")
    mailer = FakeMailer()
    assert subscriptions(store, mailer).subscribe("ada@example.org").ok
    assert list(store.subscribers) == [legacy_subscriber_id("ada@example.org")]  # no second record
    assert store.get(legacy_subscriber_id("ada@example.org")).status == PENDING and len(mailer.sent) == 1


def test_a_new_reader_gets_a_keyed_id():
    store = FakeSubscriberStore()
    assert subscriptions(store).subscribe("new@example.org").ok
    assert list(store.subscribers) == [IDS.of("new@example.org")]


def test_the_migration_moves_every_legacy_record_and_leaves_aliases_without_addresses():
    store = FakeSubscriberStore([legacy(a, (ACTIVE, UNSUBSCRIBED, COMPLAINED)[i % 3]) for i, a in enumerate(ADDRESSES)])
    before = {a: store.get(legacy_subscriber_id(a)) for a in ADDRESSES}
    dry = migrate_ids(subscribers=store, subscriber_ids=IDS, clock=FakeClock(NOW), dry_run=True)
    assert (dry.seen, dry.would_move, dry.moved) == (12, 12, 0) and store.get(IDS.of(ADDRESSES[0])) is None
    report = migrate_ids(subscribers=store, subscriber_ids=IDS, clock=FakeClock(NOW))
    assert (report.seen, report.moved, report.complete) == (12, 12, True)
    for address in ADDRESSES:
        alias = store.subscribers[legacy_subscriber_id(address)]
        assert (alias.status, alias.email, alias.moved_to) == (MOVED, "", IDS.of(address))
        moved = replace(before[address], subscriber_id=IDS.of(address), moved_from=legacy_subscriber_id(address))
        assert store.subscribers[IDS.of(address)] == replace(moved, moved_on="2026-12-03")  # the day after: NOW's
    again = migrate_ids(subscribers=store, subscriber_ids=IDS, clock=FakeClock(NOW))
    assert (again.seen, again.moved) == (0, 0)  # nothing left under a legacy id: idempotent
    assert move_one(store, IDS, FakeClock(NOW), legacy_subscriber_id(ADDRESSES[0]), False) == "done"


def test_old_links_and_ses_tags_still_reach_a_moved_reader():
    store = FakeSubscriberStore([legacy("ada@example.org", PENDING), legacy("bob@example.org")])
    old_ada, old_bob = legacy_subscriber_id("ada@example.org"), legacy_subscriber_id("bob@example.org")
    confirm, unsubscribe = make_token(SECRET, CONFIRM, old_ada), make_token(SECRET, UNSUBSCRIBE, old_bob)
    migrate_ids(subscribers=store, subscriber_ids=IDS, clock=FakeClock(NOW))
    subs = subscriptions(store)
    assert subs.account.view(unsubscribe).status == ACTIVE  # the preferences page opens
    assert subs.confirm(confirm).ok and store.get(IDS.of("ada@example.org")).status == ACTIVE
    assert subs.account.unsubscribe(unsubscribe) and store.get(IDS.of("bob@example.org")).status == UNSUBSCRIBED
    complaint = {
        "eventType": "Complaint",
        "complaint": {"complaintFeedbackType": "abuse"},
        "mail": {"messageId": "m-1", "tags": {"subscriber": [old_ada], "edition": ["2026-11-28"]}},
    }
    Feedback(subscribers=store, ledger=FakeLedger(), clock=FakeClock(NOW)).handle(complaint)
    assert store.get(IDS.of("ada@example.org")).status == COMPLAINED
    assert store.subscribers[old_ada].status == MOVED  # the alias itself is never overwritten


class KilledAfter(FakeSubscriberStore):
    """A store whose process dies (an exception nobody catches) after ``moves`` moves."""

    def __init__(self, readers: list[Subscriber], moves: int) -> None:
        super().__init__(readers)
        self.left = moves

    def move(self, record: Subscriber, alias: Subscriber, read: Subscriber) -> bool:
        if self.left == 0:
            raise KeyboardInterrupt("killed")
        self.left -= 1
        return super().move(record, alias, read)


def test_a_migration_stopped_half_way_and_run_again_loses_and_doubles_nothing():
    store = KilledAfter([legacy(a) for a in ADDRESSES], moves=5)
    with pytest.raises(KeyboardInterrupt):
        migrate_ids(subscribers=store, subscriber_ids=IDS, clock=FakeClock(NOW))
    assert sum(r.status == MOVED for r in store.subscribers.values()) == 5
    store.left = -1  # a new run, not killed
    report = migrate_ids(subscribers=store, subscriber_ids=IDS, clock=FakeClock(NOW))
    assert (report.moved, report.complete) == (7, True)
    readers = live(store)
    assert sorted(readers) == sorted(ADDRESSES) and all(len(r) == 1 for r in readers.values())
    assert all(r[0].subscriber_id == IDS.of(a) for a, r in readers.items())


class UnsubscribedMidMove(FakeSubscriberStore):
    """The reader unsubscribes (through their old link) between the migration's read and its move."""

    def __init__(self, readers: list[Subscriber], token: str) -> None:
        super().__init__(readers, clock=FakeClock(NOW))
        self.token, self.done = token, False

    def move(self, record: Subscriber, alias: Subscriber, read: Subscriber) -> bool:
        if not self.done:
            self.done = True
            assert subscriptions(self).account.unsubscribe(self.token, "too much")
        return super().move(record, alias, read)


def test_a_reader_who_unsubscribes_during_the_migration_stays_unsubscribed():
    token = make_token(SECRET, UNSUBSCRIBE, legacy_subscriber_id("ada@example.org"))
    store = UnsubscribedMidMove([legacy("ada@example.org")], token)
    report = migrate_ids(subscribers=store, subscriber_ids=IDS, clock=FakeClock(NOW))
    assert report.moved == 1
    moved = store.get(IDS.of("ada@example.org"))
    assert (moved.subscriber_id, moved.status, moved.reason) == (
        IDS.of("ada@example.org"),
        UNSUBSCRIBED,
        "reader: too much",
    )


def test_a_keyed_record_beside_a_legacy_one_is_left_for_an_operator():
    store = FakeSubscriberStore(
        [legacy("ada@example.org"), Subscriber(IDS.of("ada@example.org"), "ada@example.org", PENDING)]
    )
    before = dict(store.subscribers)
    report = migrate_ids(subscribers=store, subscriber_ids=IDS, clock=FakeClock(NOW))
    assert (report.conflicts, report.complete) == (1, False) and store.subscribers == before
    assert move_one(store, IDS, FakeClock(NOW), legacy_subscriber_id("ada@example.org"), False) == CONFLICT


def test_a_removed_reader_s_kept_suppression_stays_under_its_legacy_id():
    kept = replace(legacy("ada@example.org", COMPLAINED), email="")
    store = FakeSubscriberStore([kept])
    report = migrate_ids(subscribers=store, subscriber_ids=IDS, clock=FakeClock(NOW))
    assert (report.no_address, report.moved) == (1, 0) and store.subscribers == {kept.subscriber_id: kept}
    assert move_one(store, IDS, FakeClock(NOW), kept.subscriber_id, False) == NO_ADDRESS
    assert find_by_address(store, IDS, "ada@example.org") == kept  # a sign-up still finds the suppression


def test_a_moved_reader_is_mailed_each_edition_once_across_the_move():
    """A day's send began under the legacy id; after the move the editor sends that edition again
    and a batch queued before the move arrives late: the ledger record under the legacy id answers
    both. Editions dated after the move are recorded under the keyed id."""
    old = legacy("ada@example.org")
    world, keyed, later = World([old]), IDS.of("ada@example.org"), "2026-11-30"
    assert world.sender.send_batch(DAY, VERSION, [old.subscriber_id]).sent == 1
    migrate_ids(
        subscribers=world.subscribers, subscriber_ids=IDS, clock=FakeClock(datetime(2026, 11, 28, 12, tzinfo=UTC))
    )
    again = world.sender.send_batch(DAY, VERSION, [keyed])
    late = world.sender.send_batch(DAY, VERSION, [old.subscriber_id])
    assert (again.already, late.already, len(world.mailer.sent)) == (1, 1, 1)

    world.editions.add(EditionRecord(later, VERSION, "hash", "sending", 1, "Later", "2026-11-30T10:00:00+00:00"))
    for name, body in (("email.txt", TEXT), ("email.html", HTML)):
        world.blobs.put(version_key(later, VERSION, name), body.encode("utf-8"), "text/plain")
    assert world.sender.send_batch(later, VERSION, [keyed]).sent == 1
    assert world.ledger.get(later, keyed) is not None and world.ledger.get(later, old.subscriber_id) is None
    assert [m.tags["subscriber"] for m in world.mailer.sent] == [old.subscriber_id, keyed]
