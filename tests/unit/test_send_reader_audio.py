"""A reader who turned the Listen link off never gets it, whatever variant the batch names: a
re-send of failures (``resend-failures`` queues the edition's variant for everyone) included."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.mailing import Mailing
from digest.core.render import PREFERENCES_SLOT, UNSUBSCRIBE_SLOT
from digest.core.subscriber import ACTIVE, FAILED, Subscriber
from digest.services.reconcile import resend_unaccounted
from digest.services.send import Sender
from tests.unit.fakes import FakeBlobStore, FakeClock, FakeEditionStore, FakeLedger, FakeMailer, FakeSubscriberStore

DAY = "2026-11-28"
LINKS = f"<a href='{UNSUBSCRIBE_SLOT}'>Unsubscribe</a> <a href='{PREFERENCES_SLOT}'>Preferences</a>"


class Queue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, bodies) -> int:
        self.bodies += list(bodies)
        return len(self.bodies)


def world(readers: list[Subscriber]) -> tuple[Sender, FakeMailer, FakeLedger]:
    editions, blobs, ledger, mailer = FakeEditionStore(), FakeBlobStore(), FakeLedger(), FakeMailer()
    editions.add(EditionRecord(DAY, 1, "h", "sent", 1, "Morning Digest", DAY, audio_status="ready"))
    for variant, listen in (("email", "Listen to today's edition"), ("email-noaudio", "")):
        html = f"<html lang='en'><body><h1>Quake</h1><p>{listen}</p>{LINKS}</body></html>"
        text = f"Quake hits Lima. {listen}\nUnsubscribe: {UNSUBSCRIBE_SLOT}\nPreferences: {PREFERENCES_SLOT}\n"
        blobs.put(version_key(DAY, 1, f"{variant}.html"), html.encode(), "text/html")
        blobs.put(version_key(DAY, 1, f"{variant}.txt"), text.encode(), "text/plain")
    sender = Sender(
        editions=editions,
        blobs=blobs,
        subscribers=FakeSubscriberStore(readers),
        ledger=ledger,
        mailer=mailer,
        clock=FakeClock(datetime(2026, 11, 28, 7, tzinfo=UTC)),
        options=Mailing("Morning Digest <digest@news.example.org>", "https://api.example.org", "secret"),
    )
    return sender, mailer, ledger


def listens(mailer: FakeMailer) -> dict[str, bool]:
    return {m.recipient: b"Listen to today" in m.raw for m in mailer.sent}


def test_a_reader_without_audio_gets_no_listen_link_from_a_batch_of_the_audio_variant():
    readers = [
        Subscriber("sub-listener", "listener@example.com", ACTIVE, "paid"),
        Subscriber("sub-reader", "reader@example.com", ACTIVE, "paid", audio=False),
    ]
    sender, mailer, _ = world(readers)
    sender.send_batch(DAY, 1, ["sub-listener", "sub-reader"], variant="email")
    assert listens(mailer) == {"listener@example.com": True, "reader@example.com": False}


def test_resending_a_failed_delivery_keeps_the_readers_choice():
    sender, mailer, ledger = world([Subscriber("sub-reader", "reader@example.com", ACTIVE, "paid", audio=False)])
    ledger.claim(DAY, "sub-reader")
    ledger.mark(DAY, "sub-reader", FAILED, detail="throttled for good")
    queue = Queue()
    again = resend_unaccounted(DAY, 1, "email", ledger=ledger, queue=queue, now=datetime(2026, 11, 28, 8, tzinfo=UTC))
    assert again == ["sub-reader"]
    for body in queue.bodies:
        sender.send_message(body)
    assert listens(mailer) == {"reader@example.com": False}
