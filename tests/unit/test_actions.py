"""Asynchronous editor actions: started at once, run once by the worker, ended with a result or a reason."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import timedelta
from types import SimpleNamespace

import pytest

from digest.core.audit import ActionRecord, AuditEntry
from digest.core.edition_record import EditionRecord
from digest.errors import FutureEdition, InvokeError, StorageError
from digest.services.actions import Actions, MalformedAction, UnknownAction, action_event, parse_action_event
from digest.services.editor import Editor, EditorPorts, Refused
from tests.unit.fakes import FakeBlobStore, FakeClock, FakeEditionStore, FakeLedger

DAY = "2026-11-28"
ID = "a" + "1" * 20


class FakeActions:
    """Like the DynamoDB store: ``create`` refuses an existing id, ``claim`` is conditional on queued."""

    def __init__(self) -> None:
        self.records: dict[str, ActionRecord] = {}

    def create(self, record: ActionRecord) -> None:
        if record.action_id in self.records:
            raise StorageError("exists")
        self.records[record.action_id] = record

    def get(self, action_id: str) -> ActionRecord | None:
        return self.records.get(action_id)

    def claim(self, action_id: str, at: str, deadline: str) -> bool:
        record = self.records[action_id]
        if record.state != "queued":
            return False
        self.records[action_id] = replace(record, state="running", updated_at=at, deadline=deadline)
        return True

    def finish(self, record: ActionRecord) -> None:
        self.records[record.action_id] = record


class FakeAudit:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def record(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    def for_edition(self, edition_date: str) -> list[AuditEntry]:
        return [e for e in self.entries if e.edition_date == edition_date]


class Starter:
    def __init__(self, fail: bool = False) -> None:
        self.events: list[dict] = []
        self.fail = fail

    def start(self, event: dict) -> None:
        if self.fail:
            raise InvokeError("Lambda refused to start morning-digest-editor: AccessDeniedException")
        self.events.append(event)


@dataclass
class World:
    actions: Actions
    store: FakeActions
    starter: Starter
    audit: FakeAudit
    clock: FakeClock
    editions: FakeEditionStore
    rebuilds: list


def world(rebuild=None, fail_start: bool = False) -> World:
    clock, editions, audit, store, starter = (
        FakeClock(),
        FakeEditionStore(),
        FakeAudit(),
        FakeActions(),
        Starter(fail_start),
    )
    rebuilds: list = []

    def default_rebuild(day, note):
        rebuilds.append((day, note))
        return SimpleNamespace(
            created=True, record=EditionRecord(day, 2, "h", "draft", 5, "s", "t"), reason="", diff=["headline changed"]
        )

    editor = Editor(
        EditorPorts(editions, FakeBlobStore(), FakeLedger(), None, audit, clock),
        rebuild=rebuild or default_rebuild,
        dispatch=lambda day: SimpleNamespace(reason="cannot send twice", recipients=0, messages=0, variant="email"),
        test_send=lambda day, version, people, variant: len(people),
    )
    ids = iter(["a" + f"{n:020x}" for n in range(1, 100)])
    return World(
        Actions(editor, store, starter, audit, clock, new_id=lambda: next(ids)),
        store,
        starter,
        audit,
        clock,
        editions,
        rebuilds,
    )


def with_edition(w: World) -> World:
    w.editions.add(EditionRecord(DAY, 1, "h", "draft", 5, "subject", "2026-11-28T10:00:00+00:00"))
    return w


def test_a_started_action_is_queued_audited_and_handed_to_the_worker_not_run():
    w = world()
    view = w.actions.start(DAY, "rebuild", "arn:editor", {"note": None})
    assert view["state"] == "queued" and view["status_url"] == f"/editions/{DAY}/actions/{view['action']}"
    assert w.starter.events == [action_event(view["action"], DAY)]
    assert w.rebuilds == []  # nothing happens until the worker runs it
    assert [(e.action, e.outcome, e.actor) for e in w.audit.entries] == [("rebuild", "started", "arn:editor")]


def test_the_worker_runs_it_once_and_the_result_is_kept():
    w = world()
    view = w.actions.start(DAY, "rebuild", "arn:editor", {"note": "toll rises"})
    w.clock.when += timedelta(seconds=40)
    assert w.actions.run(w.starter.events[0], remaining_ms=119_000) == {"action": view["action"], "state": "done"}
    assert w.actions.run(w.starter.events[0], remaining_ms=119_000)["state"] == "done"  # delivered twice: run once
    assert w.rebuilds == [(DAY, "toll rises")]
    done = w.actions.status(DAY, view["action"])
    assert done["state"] == "done" and done["elapsed_s"] == 40.0
    assert done["result"] == {
        "created": True,
        "version": 2,
        "status": "draft",
        "reason": "",
        "diff": ["headline changed"],
    }
    assert [(e.action, e.outcome) for e in w.audit.entries] == [
        ("rebuild", "started"),
        ("rebuild", "ok"),
        ("rebuild", "done"),
    ]
    assert w.audit.entries[-1].version == 2 and view["action"] in w.audit.entries[-1].detail


def test_a_refusal_in_the_worker_ends_the_action_with_the_reason():
    w = with_edition(world())
    view = w.actions.start(DAY, "send", "arn:editor", {})
    w.actions.run(w.starter.events[0], remaining_ms=119_000)
    failed = w.actions.status(DAY, view["action"])
    assert failed["state"] == "failed" and failed["refused"] is True and failed["error"] == "cannot send twice"
    assert "result" not in failed
    assert [(e.action, e.outcome) for e in w.audit.entries][-1] == ("send", "refused")


@pytest.mark.parametrize(
    "error, refused, reason",
    [
        (FutureEdition("2026-11-29 is in the future"), True, "2026-11-29 is in the future"),
        (StorageError("DynamoDB is unreachable"), False, "the action failed: DynamoDB is unreachable"),
        (KeyError("boom"), False, "the action failed unexpectedly (KeyError); see the logs"),
    ],
)
def test_any_error_in_the_worker_ends_the_action_failed_never_running(error, refused, reason):
    def rebuild(day, note):
        raise error

    w = world(rebuild)
    view = w.actions.start(DAY, "rebuild", "arn:editor", {})
    assert w.actions.run(w.starter.events[0], remaining_ms=119_000)["state"] == "failed"
    failed = w.actions.status(DAY, view["action"])
    assert (failed["state"], failed["refused"], failed["error"]) == ("failed", refused, reason)
    assert w.audit.entries[-1].outcome == ("refused" if refused else "failed")


def test_an_action_that_cannot_be_handed_over_is_failed_and_the_error_raised():
    w = world(fail_start=True)
    with pytest.raises(InvokeError, match="AccessDenied"):
        w.actions.start(DAY, "rebuild", "arn:editor", {})
    (record,) = w.store.records.values()
    assert record.state == "failed" and "could not start the action" in record.reason
    assert [e.outcome for e in w.audit.entries] == ["started", "failed"]


def test_a_queued_action_picked_up_too_late_does_nothing():
    w = world()
    view = w.actions.start(DAY, "rebuild", "arn:editor", {})
    w.clock.when += timedelta(minutes=6)
    assert w.actions.run(w.starter.events[0], remaining_ms=119_000)["state"] == "failed"
    assert w.rebuilds == []
    assert "waited too long" in w.actions.status(DAY, view["action"])["error"]


def test_an_action_whose_worker_stopped_reads_as_failed_after_its_deadline():
    w = world()
    view = w.actions.start(DAY, "rebuild", "arn:editor", {})
    record = w.store.records[view["action"]]
    w.store.claim(record.action_id, record.created_at, (w.clock.when + timedelta(seconds=130)).isoformat())
    w.clock.when += timedelta(seconds=60)
    assert w.actions.status(DAY, view["action"])["state"] == "running"
    w.clock.when += timedelta(seconds=71)
    stopped = w.actions.status(DAY, view["action"])
    assert stopped["state"] == "failed" and "did not finish in time" in stopped["error"]


def test_requests_that_would_certainly_be_refused_are_refused_before_anything_starts():
    w = world()
    with pytest.raises(Refused, match="no edition for 2026-11-28"):
        w.actions.start(DAY, "send", "arn:editor", {})
    with_edition(w)
    with pytest.raises(Refused, match="not valid addresses: not-an-address"):
        w.actions.start(DAY, "test-send", "arn:editor", {"to": ["not-an-address"]})
    with pytest.raises(Refused, match="give at least one address"):
        w.actions.start(DAY, "test-send", "arn:editor", {"to": []})
    with pytest.raises(Refused, match="not an asynchronous action"):
        w.actions.start(DAY, "approve", "arn:editor", {})
    with pytest.raises(Refused, match="too large"):
        w.actions.start(DAY, "rebuild", "arn:editor", {"note": "x" * 20_000})
    with pytest.raises(Refused, match="expected YYYY-MM-DD"):
        w.actions.start("28/11/2026", "rebuild", "arn:editor", {})
    assert w.store.records == {} and w.starter.events == [] and w.audit.entries == []


def test_status_of_an_unknown_action_or_of_another_day_is_unknown():
    w = world()
    view = w.actions.start(DAY, "rebuild", "arn:editor", {})
    with pytest.raises(UnknownAction):
        w.actions.status("2026-11-27", view["action"])
    with pytest.raises(UnknownAction):
        w.actions.status(DAY, "a" + "9" * 20)
    with pytest.raises(UnknownAction):
        w.actions.status(DAY, "../../etc")


@pytest.mark.parametrize(
    "event, problem",
    [
        ({"digest_action": "rebuild"}, "digest_action must be an object"),
        ({"digest_action": {"version": 2, "action": ID, "edition_date": DAY}}, "version must be 1"),
        ({"digest_action": {"version": 1, "action": "rm -rf", "edition_date": DAY}}, "action must be an action id"),
        (
            {"digest_action": {"version": 1, "action": ID, "edition_date": "28/11/2026"}},
            "edition_date must be YYYY-MM-DD",
        ),
        (
            {"digest_action": {"version": 1, "action": ID, "edition_date": DAY, "kind": "send"}},
            "unexpected fields: kind",
        ),
    ],
)
def test_malformed_worker_events_are_refused_with_what_is_wrong(event, problem):
    with pytest.raises(MalformedAction, match=problem):
        parse_action_event(event)
    w = world()
    with pytest.raises(MalformedAction):
        w.actions.run(event, remaining_ms=119_000)
    assert w.rebuilds == []


def test_a_worker_event_for_an_action_never_started_is_refused():
    w = world()
    with pytest.raises(MalformedAction, match=f"no action {ID} for {DAY}"):
        w.actions.run(action_event(ID, DAY), remaining_ms=119_000)
    view = w.actions.start(DAY, "rebuild", "arn:editor", {})
    with pytest.raises(MalformedAction, match="no action"):  # the right id with another date
        w.actions.run(action_event(view["action"], "2026-11-27"), remaining_ms=119_000)
    assert w.rebuilds == []


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _views():
    base = {"action": ID, "edition_date": DAY, "kind": "send"}
    return [
        {**base, "state": "queued", "elapsed_s": 0},
        {**base, "state": "running", "elapsed_s": 1.2},
        {**base, "state": "running", "elapsed_s": 2.4},
        {**base, "state": "running", "elapsed_s": 16},
        {**base, "state": "done", "elapsed_s": 17},
    ]


def test_progress_rewrites_one_line_on_a_terminal():
    from digest_tools.cli.progress import Progress

    out = Tty()
    progress = Progress(out)
    for view in _views():
        progress(view)
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text.rsplit("\r", 1)[1].rstrip() == f"send {DAY} ({ID}): done, 17 s"  # padded over the longer line
    assert text.count("\r") == 5 and f"({ID}): running, 2 s" in text


def test_progress_prints_plain_lines_on_state_changes_elsewhere():
    from digest_tools.cli.progress import Progress

    out = io.StringIO()
    progress = Progress(out)
    for view in _views():
        progress(view)
    assert out.getvalue().splitlines() == [
        f"send {DAY} ({ID}): queued, 0 s",
        f"send {DAY} ({ID}): running, 1 s",
        f"send {DAY} ({ID}): running, 16 s",
        f"send {DAY} ({ID}): done, 17 s",
    ]


def test_doctests_pass():
    import doctest

    from digest.services import actions, refusals
    from digest_tools.cli import progress
    from digest_tools.local import serve

    for module in (actions, refusals, serve, progress):
        assert doctest.testmod(module).failed == 0, module.__name__
