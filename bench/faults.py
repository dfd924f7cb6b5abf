"""Faults: 10,000 random fault schedules of the whole send path; duplicates and lost readers.

Each schedule (``tests/unit/send_world.py``) dispatches one edition to ~25 readers in batches of
five and runs 40 random steps (two send functions, kills and timeouts at every call, SES
throttles, pauses, 5xx, timeouts after acceptance, lost claim replies, store errors, duplicate
and late SQS messages and SES events, pauses and resumes, resend-failures, redeploys, redrives),
then settles and checks the invariants. Printed: schedules run, readers, duplicates, lost,
readers reported to the editor (failed, or unknown outcome: mailed or not), and the run time,
with the time per schedule as a ratio to the same schedules with every fault off (the floor,
measured in the same process). A failing schedule is printed as a test to paste into
tests/unit/test_send_schedules.py, and the run exits 1.

``--quick``: 1,000 schedules. ``--schedules=N``: N. Uses every core (one process each).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from bench.common import row

FULL, QUICK, FLOOR = 10_000, 1_000, 200


def _run(seeds: range, faults_off: bool = False) -> tuple[Counter, list[str]]:
    from tests.unit.send_world import Faults, as_regression_test, run_schedule, schedule

    off = Faults(**dict.fromkeys(Faults.__dataclass_fields__, 0.0)) if faults_off else None
    totals, failures = Counter(), []
    for seed in seeds:
        steps = schedule(seed)
        try:
            totals.update(run_schedule(seed, steps, off))
            totals["schedules"] += 1
        except AssertionError as exc:
            totals["failed_schedules"] += 1
            failures.append(f"# {exc}\n" + as_regression_test(seed, steps))
    return totals, failures


def _chunks(count: int, parts: int) -> list[range]:
    step = -(-count // parts)
    return [range(start, min(count, start + step)) for start in range(0, count, step)]


def main(argv: list[str] | None = None) -> int:
    flags = argv or []
    count = QUICK if "--quick" in flags else FULL
    for flag in flags:
        if flag.startswith("--schedules="):
            count = int(flag.split("=", 1)[1])
    print(f"faults: {count:,} random schedules of the send path")
    start = time.perf_counter()
    _run(range(FLOOR), faults_off=True)
    floor = (time.perf_counter() - start) / FLOOR
    start = time.perf_counter()
    totals, failures = Counter(), []
    with ProcessPoolExecutor() as pool:
        for part_totals, part_failures in pool.map(_run, _chunks(count, 16)):
            totals.update(part_totals)
            failures += part_failures
    elapsed = time.perf_counter() - start
    cores = pool._max_workers  # noqa: SLF001 - how many processes ran them
    per = elapsed * cores / max(1, count)
    print(row("schedules", f"{totals['schedules']:,}", f"failed {totals['failed_schedules']}"))
    print(row("readers", f"{totals['readers']:,}", f"mailed {totals['mailed']:,}"))
    print(row("duplicates", totals["duplicates"]))
    print(row("lost", totals["lost"]))
    print(row("reported failed", totals["failed"]))
    print(row("reported unknown", totals["unknown_mailed"] + totals["unknown_unmailed"], "(mailed / not)"))
    print(row("", f"{totals['unknown_mailed']} / {totals['unknown_unmailed']}"))
    print(row("run time", f"{elapsed:.1f} s", f"{cores} processes"))
    print(
        row("per schedule", f"{per * 1000:.1f} ms", f"{per / floor:.2f}x floor", f"(fault-free {floor * 1000:.1f} ms)")
    )
    for text in failures[:3]:
        print("\nfailing schedule, as a regression test:\n" + text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
