"""The admins' subscriber list at a newsroom's scale: counts, a search and the CSV export over
50,000 readers (``--quick``: 10,000) in an in-memory store, each against a floor measured in the
same process: the bare loop over the same records (a count by status; a substring test; the csv
module writing the raw fields, without the formula guard and the date columns). Best of 5; the
ratio says what the service adds on top of reading every record, which the DynamoDB scan (one
page per 1 MB) dominates when deployed.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime

from bench.common import best_of, row
from digest.adapters.clock import FixedClock
from digest.core.subscriber import ACTIVE, PENDING, Subscriber
from digest.services.subscriber_admin import SubscriberAdmin
from tests.unit.fakes import FakeDownloads, FakeSubscriberStore


class NoAudit:
    def record(self, entry: object) -> None:
        pass

    def for_edition(self, edition_date: str) -> list:
        return []


class NoQueue:
    def send(self, bodies) -> int:
        return len(list(bodies))


def readers(n: int) -> list[Subscriber]:
    plans = ("trial", "paid", "student", "faculty")
    return [
        Subscriber(
            f"sub-{i:032x}",
            f"reader{i}@example{i % 97}.org",
            ACTIVE if i % 5 else PENDING,
            plans[i % 4],
            "Europe/Paris" if i % 3 else "",
            created_at="2026-11-01T09:00:00+00:00",
            send_hour=i % 24,
        )  # fmt: skip
        for i in range(n)
    ]


def main(argv: list[str] | None = None) -> None:
    n = 10_000 if "--quick" in (argv or []) else 50_000
    store = FakeSubscriberStore(readers(n))
    clock = FixedClock(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    admin = SubscriberAdmin(
        subscribers=store,
        signup_requests=NoQueue(),
        audit=NoAudit(),
        clock=clock,
        candidates=lambda a: (a,),
        downloads=FakeDownloads(),
    )

    def floor_counts() -> object:
        return Counter(r.status for r in store.every()), Counter(r.plan for r in store.every())

    def floor_search() -> object:
        return sorted(r.email for r in store.every() if "example7." in r.email)

    def floor_export() -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        for r in store.every():
            writer.writerow((r.email, r.status, r.plan, r.timezone, r.send_hour, r.created_at))
        return out.getvalue()

    print(f"subscriber list: {n:,} readers in memory, best of 5")
    print(row("operation", "floor ms", "service ms", "ratio"))
    for name, floor, service in [
        ("counts by status and plan", floor_counts, admin.counts),
        ("search 'example7.'", floor_search, lambda: admin.search("example7.", 200, "bench")),
        ("export CSV", floor_export, lambda: admin.export("bench")),
    ]:
        base, took = best_of(floor), best_of(service)
        print(row(name, f"{base * 1000:.1f}", f"{took * 1000:.1f}", f"{took / base:.2f}x"))


if __name__ == "__main__":
    main()
