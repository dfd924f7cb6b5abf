"""digest.services.dispatch: deterministic batches, handed to the queue a bounded chunk at a time."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.render import PREFERENCES_SLOT, UNSUBSCRIBE_SLOT
from digest.core.subscriber import ACTIVE, PENDING, Subscriber, id_key, subscriber_id
from digest.services import delivery as delivery_module
from digest.services.dispatch import DispatchOptions, SendWindow, batch_bodies, dispatch
from tests.unit.fakes import FakeBlobStore, FakeEditionStore, FakeSubscriberStore

DAY, NOW = "2026-11-28", datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
TEXT = "Quake hits Lima. " * 15 + f"\nUnsubscribe: {UNSUBSCRIBE_SLOT}\nPreferences: {PREFERENCES_SLOT}\n"
HTML = (
    f'<html lang="en"><body><h1>Quake hits Lima</h1><a href="{UNSUBSCRIBE_SLOT}">Unsubscribe</a> '
    f'<a href="{PREFERENCES_SLOT}">Preferences</a></body></html>'
)

KEY = id_key("unit-test-signing-secret")  # the ids services make with the tests' signing secret


class Queue:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def send(self, bodies) -> int:
        self.calls.append(list(bodies))
        return len(self.calls[-1])

    @property
    def bodies(self) -> list[str]:
        return [b for call in self.calls for b in call]


def world(n: int, seed: int, status: str = "approved"):
    people = [
        Subscriber(
            subscriber_id(f"r{i}@example.com", KEY),
            f"r{i}@example.com",
            PENDING if i % 7 == 6 else ACTIVE,
            paused=i % 13 == 12,
        )
        for i in range(n)
    ]
    random.Random(seed).shuffle(people)  # the store's order is not the batches' order
    editions, blobs = FakeEditionStore(), FakeBlobStore()
    editions.add(EditionRecord(DAY, 1, "h", status, 3, "Morning Digest", NOW.isoformat()))
    for name, data in (("edition.json", "{}"), ("email-noaudio.txt", TEXT), ("email-noaudio.html", HTML)):
        blobs.put(version_key(DAY, 1, name), data.encode(), "text/plain")
    return people, editions, blobs, FakeSubscriberStore(people)


def run(n: int, seed: int, options: DispatchOptions | None = None):
    people, editions, blobs, subscribers = world(n, seed)
    queue = Queue()
    result = dispatch(
        DAY,
        editions=editions,
        subscribers=subscribers,
        queue=queue,
        blobs=blobs,
        options=options or DispatchOptions(batch_size=50),
        now=NOW,
    )
    return people, editions, queue, result


def test_same_list_in_any_store_order_gives_the_same_batches_in_bounded_chunks(monkeypatch):
    monkeypatch.setattr(delivery_module, "QUEUE_CHUNK", 7)
    people, _, first, result = run(2_345, seed=1)
    _, _, second, _ = run(2_345, seed=2)
    assert first.bodies == second.bodies
    assert max(len(call) for call in first.calls) == 7 and len(first.calls) == -(-len(first.bodies) // 7)
    receiving = sorted(p.subscriber_id for p in people if p.receives_editions)
    assert result.recipients == len(receiving) and result.messages == len(first.bodies)
    assert first.bodies == batch_bodies(DAY, 1, "email-noaudio", receiving, 50)
    queued = [sid for body in first.bodies for sid in json.loads(body)["subscriber_ids"]]
    assert queued == receiving


def test_a_late_dispatch_is_held_through_the_lifecycle_with_its_reason():
    window = SendWindow("America/New_York", send_at=datetime(2026, 1, 1, 3, 0).time(), minutes=60)  # 06:00 there: late
    _, editions, queue, result = run(10, seed=1, options=DispatchOptions(batch_size=50, window=window))
    record = editions.latest(DAY)
    assert queue.calls == [] and result.messages == 0 and result.reason.startswith("held: ")
    assert record.status == "held" and record.reason and record.reason in result.reason
