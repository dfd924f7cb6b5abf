"""Port contracts: each fake in tests/unit/fakes.py and its real adapter on the moto server pass
the same tests, so a fake cannot drift from what DynamoDB or S3 does."""

from __future__ import annotations

import urllib.request
from dataclasses import replace

import pytest

from digest.core.edition_record import EditionRecord
from digest.core.subscriber import (
    ACTIVE,
    BOUNCED,
    CLAIMED,
    COMPLAINED,
    PENDING,
    SENT,
    UNSUBSCRIBED,
    Subscriber,
)
from tests.unit.fakes import FakeBlobStore, FakeDownloads, FakeEditionStore, FakeLedger, FakeSubscriberStore

DAY = "2026-11-28"
DRAFT = EditionRecord(DAY, 1, "h", "draft", 8, "Morning Digest", "2026-11-28T10:00:00+00:00")
FAKES = {
    "editions": FakeEditionStore,
    "ledger": FakeLedger,
    "subscribers": FakeSubscriberStore,
    "blobs": FakeBlobStore,
    "downloads": FakeDownloads,
}


def _port(kind: str, request):
    if request.param == "fake":
        return FAKES[kind]()
    return getattr(request.getfixturevalue("app"), kind)  # the adapter bootstrap builds, on moto


@pytest.fixture(params=["fake", "aws"])
def editions(request):
    return _port("editions", request)


@pytest.fixture(params=["fake", "aws"])
def ledger(request):
    return _port("ledger", request)


@pytest.fixture(params=["fake", "aws"])
def subscribers(request):
    return _port("subscribers", request)


@pytest.fixture(params=["fake", "aws"])
def blobs(request):
    return _port("blobs", request)


# --- EditionStore -----------------------------------------------------------------------------


def test_a_version_is_added_once_and_the_latest_is_the_highest(editions):
    assert editions.add(DRAFT) and not editions.add(replace(DRAFT, subject="another build"))
    assert editions.add(replace(DRAFT, version=2))
    assert editions.latest(DAY).version == 2 and editions.get(DAY, 1) == DRAFT
    assert [r.version for r in editions.versions(DAY)] == [1, 2]
    assert editions.latest("2026-11-29") is None and editions.get(DAY, 9) is None


def test_audio_news_read_before_a_hold_does_not_lift_it(editions):
    editions.add(DRAFT)
    seen_by_audio = editions.latest(DAY)  # the audio notice reads the record ...
    assert editions.set_status(DRAFT.moved("hold", reason="legal review"), expected="draft")  # ... an editor holds
    assert editions.set_audio_fields(
        replace(seen_by_audio, audio_status="ready", audio_seconds=300.0), "audio_status", "audio_seconds"
    )  # ... the notice writes
    latest = editions.latest(DAY)
    assert (latest.status, latest.reason, latest.audio_status, latest.audio_seconds) == (
        "held",
        "legal review",
        "ready",
        300.0,
    )


def test_a_status_move_from_a_stale_read_is_refused(editions):
    editions.add(DRAFT)
    assert editions.set_status(DRAFT.moved("hold", reason="r"), expected="draft")
    assert not editions.set_status(DRAFT.moved("approve"), expected="draft")
    assert editions.latest(DAY).status == "held"


def test_audio_fields_are_written_alone_and_only_when_the_audio_is_as_expected(editions):
    editions.add(DRAFT)
    assert editions.claim_audio(DRAFT) and not editions.claim_audio(DRAFT)  # one narration per version
    chapters = replace(DRAFT, chapters=(("story-1", 0.0), ("story-2", 31.5)))
    assert editions.set_audio_fields(chapters, "chapters")
    assert not editions.set_audio_fields(replace(DRAFT, audio_status="ready"), "audio_status", if_status="pending")
    assert editions.set_audio_fields(replace(DRAFT, audio_status="ready"), "audio_status", if_status="starting")
    latest = editions.latest(DAY)
    assert latest.audio_status == "ready" and latest.chapters == (("story-1", 0.0), ("story-2", 31.5))
    assert not editions.set_audio_fields(replace(DRAFT, version=7), "audio_status")  # never creates a version


# --- Ledger -----------------------------------------------------------------------------------


def test_a_claim_is_taken_once_and_marked_sent(ledger):
    assert ledger.claim(DAY, "s1") and not ledger.claim(DAY, "s1")
    assert ledger.get(DAY, "s1").state == CLAIMED
    ledger.mark(DAY, "s1", SENT, message_id="m-1")
    assert (ledger.get(DAY, "s1").state, ledger.get(DAY, "s1").message_id) == (SENT, "m-1")
    assert not ledger.claim(DAY, "s1")
    assert ledger.get(DAY, "s2") is None


def test_a_release_removes_only_a_claim_in_the_expected_state(ledger):
    ledger.claim(DAY, "s1")
    ledger.mark(DAY, "s1", SENT, message_id="m-1")
    ledger.release(DAY, "s1")  # expects "claimed": a sent item stays
    assert ledger.get(DAY, "s1").state == SENT
    ledger.claim(DAY, "s2")
    ledger.release(DAY, "s2")
    assert ledger.get(DAY, "s2") is None and ledger.claim(DAY, "s2")


def test_the_deliveries_of_an_edition_are_listed_by_subscriber(ledger):
    for sid in ("s3", "s1", "s2"):
        ledger.claim(DAY, sid)
    ledger.claim("2026-11-29", "s9")
    assert [d.subscriber_id for d in ledger.for_edition(DAY)] == ["s1", "s2", "s3"]


# --- SubscriberStore --------------------------------------------------------------------------


def test_subscribers_are_found_by_status_and_their_status_moves_only_when_they_exist(subscribers):
    subscribers.put(Subscriber("s1", "one@example.org", ACTIVE))
    subscribers.put(Subscriber("s2", "two@example.org", ACTIVE))
    assert subscribers.set_status("s2", UNSUBSCRIBED, "one-click")
    assert not subscribers.set_status("nobody", UNSUBSCRIBED)
    assert subscribers.get("nobody") is None
    assert [s.subscriber_id for s in subscribers.with_status(ACTIVE)] == ["s1"]
    assert (subscribers.get("s2").status, subscribers.get("s2").reason) == (UNSUBSCRIBED, "one-click")


def test_a_status_moves_only_from_an_expected_one(subscribers):
    subscribers.put(Subscriber("s1", "one@example.org", COMPLAINED))
    assert not subscribers.set_status("s1", UNSUBSCRIBED, "reader", expected=(ACTIVE, PENDING))
    assert subscribers.get("s1").status == COMPLAINED
    assert not subscribers.set_status("nobody", UNSUBSCRIBED, expected=(ACTIVE,))
    assert not subscribers.set_status("s1", ACTIVE, expected=())
    assert subscribers.set_status("s1", BOUNCED, "hard", expected=(COMPLAINED,))
    assert subscribers.get("s1").status == BOUNCED


def test_add_writes_only_a_new_record(subscribers):
    assert subscribers.add(Subscriber("s1", "one@example.org", PENDING, plan="paid"))
    assert not subscribers.add(Subscriber("s1", "one@example.org", PENDING, plan="trial"))
    assert subscribers.get("s1").plan == "paid"


def test_update_sets_only_the_named_fields_and_only_on_the_expected_state(subscribers):
    subscribers.put(Subscriber("s1", "one@example.org", ACTIVE, plan="paid", timezone="Europe/Paris", updated_at="t1"))
    assert subscribers.update("s1", {"paused": True, "updated_at": "t2"}, (ACTIVE,), unchanged_since="t1")
    assert subscribers.update("s1", {"timezone": "Asia/Tokyo"}, (ACTIVE,))
    got = subscribers.get("s1")
    assert (got.paused, got.timezone, got.plan, got.updated_at) == (True, "Asia/Tokyo", "paid", "t2")
    assert not subscribers.update("s1", {"paused": False}, (ACTIVE,), unchanged_since="t1")  # changed since
    assert not subscribers.update("s1", {"paused": False}, (UNSUBSCRIBED,))  # not in that state
    assert not subscribers.update("nobody", {"paused": False}, (ACTIVE,))
    assert subscribers.get("nobody") is None  # a failed update creates nothing
    assert subscribers.get("s1").paused is True
    with pytest.raises(ValueError):
        subscribers.update("s1", {"no_such_field": 1}, (ACTIVE,))


# --- BlobStore --------------------------------------------------------------------------------


@pytest.fixture(params=["fake", "aws"])
def downloads(request):
    """The port, and how a reader's browser fetches one of its links (the fake's are not on the web)."""
    port = _port("downloads", request)
    if request.param == "fake":
        return port, lambda url: port.files[url][1]
    return port, lambda url: urllib.request.urlopen(url, timeout=30).read()


def test_an_offered_file_is_fetched_from_its_own_link(downloads):
    port, fetch = downloads
    first = port.offer("subscribers-2026-11-28.csv", b"email\r\nada@example.org\r\n", "text/csv", 300)
    second = port.offer("subscribers-2026-11-28.csv", b"email\r\n", "text/csv", 300)
    assert first != second  # the same name offered twice: two files, neither overwrites the other
    assert fetch(first) == b"email\r\nada@example.org\r\n" and fetch(second) == b"email\r\n"


def test_blobs_round_trip_and_a_missing_key_is_none(blobs):
    blobs.put("editions/2026-11-28/v0001/email.html", b"<p>\xc3\xa9</p>", "text/html; charset=utf-8")
    assert blobs.get("editions/2026-11-28/v0001/email.html") == b"<p>\xc3\xa9</p>"
    assert blobs.exists("editions/2026-11-28/v0001/email.html") and not blobs.exists("nothing/here")
    assert blobs.get("nothing/here") is None
