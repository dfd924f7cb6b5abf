"""The admins' subscriber list on in-memory fakes: counts, search, export (formula-safe CSV),
import through the real confirmation path (pending, never active; suppressed never mailed) and
removal (personal data gone, a complainer's suppression kept)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.core.edition import Brand
from digest.core.mailing import Mailing
from digest.core.render import environment
from digest.core.subscriber import (
    ACTIVE,
    BOUNCED,
    COMPLAINED,
    PENDING,
    UNSUBSCRIBED,
    Subscriber,
    SubscriberIds,
)
from digest.services.refusals import BadRequest
from digest.services.subscriber_admin import IMPORT_CAP, SubscriberAdmin, UnknownSubscriber
from tests.unit.fakes import FakeClock, FakeDownloads, FakeMailer, FakeSubscriberStore
from tests.unit.signup_world import signup_ports
from tests.unit.test_actions import FakeAudit

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
OPTIONS = Mailing("Morning Digest <digest@news.example.org>", "https://api.news.example.org", "unit-test-secret")
ADMIN = "ada@news.example.org (desk)"
IDS = SubscriberIds.from_secret(OPTIONS.signing_secret)


def subscriber_id(address: str) -> str:
    return IDS.of(address)


def reader(address: str, status: str = ACTIVE, plan: str = "paid", **extra) -> Subscriber:
    return Subscriber(subscriber_id(address), address, status, plan, created_at="2026-11-01T09:00:00+00:00", **extra)


class World:
    def __init__(self, *readers: Subscriber) -> None:
        self.store, self.mailer, self.audit = FakeSubscriberStore(list(readers)), FakeMailer(), FakeAudit()
        clock = FakeClock(NOW)
        ports = dict(subscribers=self.store, mailer=self.mailer, env=environment(TEMPLATES), brand=Brand(), clock=clock)
        self.queue = signup_ports(**ports, options=OPTIONS)["signup_requests"]  # the consumer runs at once
        self.downloads = FakeDownloads()
        self.admin = SubscriberAdmin(
            subscribers=self.store,
            signup_requests=self.queue,
            audit=self.audit,
            clock=clock,
            candidates=IDS.candidates,
            downloads=self.downloads,
        )

    def export(self) -> str:
        """The CSV an admin's export offers."""
        return self.downloads.text(self.admin.export(ADMIN)["url"])

    def by_address(self, address: str) -> Subscriber | None:
        return next((r for r in self.store.every() if r.email == address), None)


def test_counts_by_status_and_plan():
    world = World(
        reader("a@example.org"),
        reader("b@example.org", plan="trial"),
        reader("c@example.org", PENDING, "trial"),
        reader("d@example.org", COMPLAINED, "student"),
    )
    assert world.admin.counts() == {
        "active": 2,
        "by_status": {"active": 2, "complained": 1, "pending": 1},
        "by_plan": {"paid": 1, "student": 1, "trial": 2},
        "removed": 0,
    }


def test_search_is_a_case_insensitive_substring_capped_and_says_when_truncated():
    world = World(*(reader(f"reader{n}@Example.org".lower()) for n in range(5)), reader("other@news.org"))
    found = world.admin.search("EXAMPLE", 3, ADMIN)
    assert [r["email"] for r in found["results"]] == [f"reader{n}@example.org" for n in range(3)]
    assert found["truncated"] is True
    assert world.admin.search("other@", None, ADMIN)["truncated"] is False
    assert world.audit.entries[-1].actor == ADMIN and world.audit.entries[-1].action == "subscribers search"
    for bad in ("", "a"):
        with pytest.raises(BadRequest, match="at least 2"):
            world.admin.search(bad, None, ADMIN)
    for limit in ("0", "500", "ten"):
        with pytest.raises(BadRequest, match="limit"):
            world.admin.search("example", limit, ADMIN)


def test_export_guards_every_cell_against_formulas_and_is_audited():
    world = World(reader("=cmd@example.org", timezone="+01:00"), reader("ada@example.org", send_hour=7))
    offered = world.admin.export(ADMIN)
    name, _, kind, seconds = world.downloads.files[offered["url"]]
    assert (offered["filename"], offered["readers"], offered["expires_in"]) == (name, 2, seconds)
    assert name == "subscribers-2026-12-02.csv" and kind.startswith("text/csv") and 0 < seconds <= 900
    rows = list(csv.reader(io.StringIO(world.downloads.text(offered["url"]))))
    assert rows[0] == ["email", "status", "plan", "timezone", "send_hour", "created", "confirmed"]
    assert rows[1][:5] == ["'=cmd@example.org", "active", "paid", "'+01:00", ""]
    assert rows[2][:6] == ["ada@example.org", "active", "paid", "", "7", "2026-11-01"]
    assert world.audit.entries[-1].detail == "2 readers"


def test_import_sends_confirmations_and_never_activates():
    world = World(
        reader("known@example.org"),
        reader("left@example.org", UNSUBSCRIBED),
        reader("angry@example.org", COMPLAINED),
        reader("bounced@example.org", BOUNCED),
    )
    text = (
        "Email,Plan\nNew.One@Example.org,paid\nnew.two@example.org,\nnew.one@example.org,\n"
        "known@example.org,\nleft@example.org,\nangry@example.org,\nbounced@example.org,\n=1+1,\n"
    )
    outcome = world.admin.import_csv(text, ADMIN)
    assert (outcome["invited"], outcome["existing"], outcome["suppressed"], outcome["repeated"]) == (2, 2, 2, 1)
    assert outcome["invalid"] == [{"row": 9, "value": "=1+1", "problem": "address must contain exactly one @"}]
    assert sorted(world.mailer.recipients()) == ["new.one@example.org", "new.two@example.org"]
    assert all(s.tags["kind"] == "confirm" for s in world.mailer.sent)
    for address in ("new.one@example.org", "new.two@example.org"):
        stored = world.by_address(address)
        assert stored is not None and stored.status == PENDING and stored.source == "import"
    assert world.store.get(subscriber_id("left@example.org")).status == UNSUBSCRIBED  # not touched
    entry = world.audit.entries[-1]
    assert entry.actor == ADMIN and entry.action == "subscribers import" and "@" not in entry.detail


def test_import_refuses_an_empty_body_and_counts_what_is_past_the_cap():
    world = World()
    for bad in (None, "", "  \n", {"csv": 1}):
        with pytest.raises(BadRequest, match="CSV"):
            world.admin.import_csv(bad, ADMIN)
    many = "\n".join(f"r{n}@example.org" for n in range(IMPORT_CAP + 5))
    outcome = world.admin.import_csv(many, ADMIN)
    assert (outcome["invited"], outcome["over_cap"]) == (IMPORT_CAP, 5)


def test_removing_a_reader_deletes_the_record():
    world = World(reader("ada@example.org"))
    sid = subscriber_id("ada@example.org")
    assert world.admin.remove(sid, ADMIN) == {
        "subscriber_id": sid,
        "removed": True,
        "was": ACTIVE,
        "suppression_kept": False,
    }
    assert world.store.get(sid) is None
    assert world.audit.entries[-1].detail == f"{sid} (was active): personal data deleted"
    with pytest.raises(UnknownSubscriber):
        world.admin.remove(sid, ADMIN)


def test_a_removed_complainer_keeps_only_the_suppression_and_is_never_mailed_again():
    angry = reader("angry@example.org", COMPLAINED, name="Ann", timezone="Europe/Paris", send_hour=7)
    world = World(angry)
    assert world.admin.remove(angry.subscriber_id, ADMIN)["suppression_kept"] is True
    kept = world.store.get(angry.subscriber_id)
    assert kept is not None and kept.status == COMPLAINED
    assert (kept.email, kept.name, kept.timezone, kept.send_hour) == ("", "", "", None)
    assert world.admin.counts()["removed"] == 1 and world.admin.counts()["by_status"] == {}
    assert world.admin.search("angry", None, ADMIN)["results"] == []
    assert "angry" not in world.export()
    assert world.admin.import_csv("angry@example.org", ADMIN)["suppressed"] == 1
    assert world.mailer.sent == []
    with pytest.raises(UnknownSubscriber):
        world.admin.remove(angry.subscriber_id, ADMIN)
