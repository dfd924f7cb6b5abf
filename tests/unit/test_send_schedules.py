"""Random fault schedules of the whole send path (see ``send_world``), and the regressions they guard.

``python -m bench faults`` runs 10,000 schedules; the suite runs a few hundred. A failing
schedule is printed as a test to paste at the end of this file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest.core.subscriber import CLAIMED, SENT
from tests.unit.send_world import HANDLER, World, as_regression_test, run_schedule, schedule

SCHEDULES = 250


def _failures(seeds, first: bool = False, **kwargs) -> list[str]:
    failures = []
    for seed in seeds:
        steps = schedule(seed)
        try:
            run_schedule(seed, steps, **kwargs)
        except AssertionError as exc:
            failures.append(f"# {exc}\n" + as_regression_test(seed, steps))
            if first:
                break
    return failures


def test_random_fault_schedules_mail_every_reader_once_or_report_them():
    failures = _failures(range(SCHEDULES))
    assert not failures, f"{len(failures)} schedules failed; the first:\n{failures[0]}"


def test_a_send_handler_that_swallows_retry_later_fails_the_schedules(tmp_path: Path):
    source = HANDLER.read_text("utf-8")
    kept = "raise SendingPaused(handled.reason) if handled.paused else RetryLater(handled.reason)"
    assert kept in source
    mutant = tmp_path / "app.py"
    mutant.write_text(source.replace(kept, "return {}  # swallowed"), "utf-8")
    assert _failures(range(SCHEDULES), first=True, handler=mutant), (
        "dropping readers that must be retried went unnoticed"
    )


def test_a_long_pause_parks_the_edition_instead_of_draining_it_into_the_dead_letter_queue():
    w = World(7)
    w.faults_on = False
    w.switch.pause("operator: two hours")
    for _ in range(24):  # two hours of invocations every five minutes
        w.invoke(0)
        w.clock.t += 300
    assert w.sqs.dlq == [] and w.tally.mailed.total() == 0
    assert all(m.receives <= 1 for m in w.sqs.messages.values())  # parked copies start at zero
    w.settle()
    counts = w.check()
    assert (counts["lost"], counts["duplicates"], counts["unknown_unmailed"]) == (0, 0, 0)
    assert counts["mailed"] == counts["readers"]


def test_a_batch_stops_when_the_invocation_cannot_cover_the_next_send_and_parks_the_rest():
    w = World(8)
    w.faults_on = False
    before = w.sqs.pending()
    w.invoke(0)  # 10 batches of 5 at up to 0.6 s per call: more than the 30 s the function has
    assert w.tally.steps["killed"] == 0, "the sender ran into the function's timeout"
    assert 0 < w.tally.mailed.total() < 50
    parked = [json.loads(m.body) for m in w.sqs.messages.values() if m.receives == 0]
    assert parked and w.sqs.pending() <= before
    w.settle()
    assert w.check()["mailed"] == len(w.active_at_dispatch)


def test_an_unknown_claim_is_reported_and_never_resent_on_silence(monkeypatch):
    w = World(9)
    w.faults_on = False
    sid = sorted(w.active_at_dispatch)[0]
    w.ledger.claim("2026-11-28", sid, "tok-dead")  # a sender died between its claim and the SES call
    w.settle()  # hours pass, resend-failures runs: SES never said anything about it
    record = w.ledger.get("2026-11-28", sid)
    assert record.state == CLAIMED
    counts = w.check()
    assert counts["unknown_unmailed"] == 1 and counts["mailed"] == len(w.active_at_dispatch) - 1
    assert all(w.ledger.get("2026-11-28", s).state == SENT for s in w.active_at_dispatch if s != sid)


@pytest.mark.parametrize("seed", [3, 11])
def test_send_schedule_replays_exactly(seed):
    steps = schedule(seed)
    assert run_schedule(seed, steps) == run_schedule(seed, steps)


# Paste failing schedules printed by ``python -m bench faults`` below.
