"""Ingest fault schedules: 1,000 random schedules of news, fetch faults and crashes, checked.

Each schedule (``tests/unit/ingest_schedules.py``) runs the real ingest, withdrawal and dispatch
services on the unit fakes while three agencies publish, correct and withdraw stories, fetches
fail (HTTP 500, an exception, a refused redirect, a deadline that uses the run's whole budget, a
redirect to a stale mirror) and the process dies (inside a store write, after one, before the
feed state, between ingest and the withdrawals, inside a rebuild). After every step: a withdrawn
story never reaches an edition queued for sending, and no stored story is older than the newest
copy handed to the store. Violations must be 0; the first failing schedule is printed as a test.

Floor: the same schedules with every fault and crash step removed (news, ingest, builds and
sends only), so the ratio is what the faults cost the model, not a speed of ingest itself.
``--quick`` runs 200 schedules.
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections import Counter

from bench.common import row
from tests.unit.ingest_schedules import as_test, generate, run_schedule, shrink

SCHEDULES, LENGTH = 1_000, 40


def _calm(steps: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return [("ingest", "") if s[0] == "ingest" else s for s in steps if s[0] != "fault"]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    count = 200 if "--quick" in args else SCHEDULES
    logging.disable(logging.CRITICAL)  # a failed source logs its traceback: thousands here
    schedules = [generate(random.Random(seed), LENGTH) for seed in range(count)]
    stats: Counter[str] = Counter()
    failing: list[tuple[int, list[str], list[tuple[object, ...]]]] = []
    started = time.perf_counter()
    for seed, steps in enumerate(schedules):
        world = run_schedule(steps)
        stats.update(world.stats)
        if world.violations:
            failing.append((seed, world.violations, steps))
    took = time.perf_counter() - started
    floor_started = time.perf_counter()
    for steps in schedules:
        run_schedule(_calm(steps))
    floor = time.perf_counter() - floor_started
    logging.disable(logging.NOTSET)
    steps_total = sum(len(s) for s in schedules)
    print(f"faults_ingest: {count:,} random schedules of {LENGTH} steps after the first news ({steps_total:,} steps)")
    print(row("", "schedules", "violations", "seconds", "ms each", widths=(34, 12, 12, 10, 10)))
    print(
        row(
            "with faults and crashes",
            count,
            len(failing),
            f"{took:.2f}",
            f"{1000 * took / count:.1f}",
            widths=(34, 12, 12, 10, 10),
        )
    )
    print(
        row(
            "floor: same news, no faults",
            count,
            "-",
            f"{floor:.2f}",
            f"{1000 * floor / count:.1f}",
            widths=(34, 12, 12, 10, 10),
        )
    )
    print(f"ratio to the floor: {took / floor:.2f}x")
    print("what the schedules went through: " + ", ".join(f"{k} {v:,}" for k, v in sorted(stats.items())))
    if failing:
        seed, violations, steps = failing[0]
        print(f"\nFAILED: {len(failing)} schedules broke an invariant; the first (seed {seed}): {violations[0]}")
        print("shrunk to the steps it needs; paste into tests/unit/test_ingest_faults.py:\n")
        print(as_test(shrink(steps), f"test_ingest_schedule_seed_{seed}"))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
