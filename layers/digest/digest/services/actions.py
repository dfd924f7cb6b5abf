"""Long editor actions run asynchronously: started at once (HTTP 202), run by a worker, polled by id.

An HTTP API cuts its integration at 30 s, so an action that can take longer (rebuild, story edit,
title, test-send, send, resend-failures) is stored as *queued*, handed to a worker (the same function,
invoked asynchronously) and answered with its id. The worker moves it to *running*, then *done*
with the action's result or *failed* with the reason. The audit trail records each action when
it starts and when it ends. The worker's event carries only the action's id and date: what to do
and for whom is read from the stored record, which only the authorized API writes.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from digest.core.audit import ActionRecord, AuditEntry
from digest.errors import DigestError, FutureEdition
from digest.ports import ActionStarter, ActionStore, AuditTrail, Clock
from digest.services.editor import Editor
from digest.services.refusals import Refused

logger = Logger(child=True)

KINDS = ("rebuild", "story edit", "title", "test-send", "send", "resend-failures")
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
EVENT_KEY = "digest_action"
PICKUP = timedelta(minutes=5)  # a queued action not started by then has failed
MARGIN = timedelta(seconds=10)
MAX_REQUEST = 16_384
_ID = re.compile(r"a[0-9a-f]{20}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class MalformedAction(DigestError):
    """A worker event that is not an editor action this function started; the message says what is wrong."""


class UnknownAction(DigestError):
    """No such action for that edition date."""


def action_event(action_id: str, day: str) -> dict[str, Any]:
    """The worker's event for an action (see ``parse_action_event``).

    Examples
    --------
    >>> action_event("a" + "0" * 20, "2026-11-28")
    {'digest_action': {'version': 1, 'action': 'a00000000000000000000', 'edition_date': '2026-11-28'}}
    """
    return {EVENT_KEY: {"version": 1, "action": action_id, "edition_date": day}}


def is_action_event(event: Any) -> bool:
    return isinstance(event, dict) and EVENT_KEY in event


def parse_action_event(event: Any) -> tuple[str, str]:
    """(action id, edition date) of a worker event; MalformedAction says what is wrong.

    Examples
    --------
    >>> parse_action_event(action_event("a" + "f" * 20, "2026-11-28"))
    ('affffffffffffffffffff', '2026-11-28')
    >>> parse_action_event({"digest_action": {"version": 2}})
    Traceback (most recent call last):
    ...
    digest.services.actions.MalformedAction: malformed editor action event: version must be 1, got 2
    """
    body = event.get(EVENT_KEY) if isinstance(event, dict) else None
    problem = ""
    if not isinstance(body, dict):
        problem = f"{EVENT_KEY} must be an object"
    elif body.get("version") != 1:
        problem = f"version must be 1, got {str(body.get('version'))[:20]}"
    elif not isinstance(body.get("action"), str) or not _ID.fullmatch(body["action"]):
        problem = f"action must be an action id (a + 20 hex digits), got {str(body.get('action'))[:40]!r}"
    elif not isinstance(body.get("edition_date"), str) or not _DAY.fullmatch(body["edition_date"]):
        problem = f"edition_date must be YYYY-MM-DD, got {str(body.get('edition_date'))[:40]!r}"
    elif set(body) - {"version", "action", "edition_date"}:
        problem = f"unexpected fields: {', '.join(sorted(set(body) - {'version', 'action', 'edition_date'}))[:80]}"
    if problem or not isinstance(body, dict):
        raise MalformedAction(f"malformed editor action event: {problem}")
    return body["action"], body["edition_date"]


def status_path(day: str, action_id: str) -> str:
    return f"/editions/{day}/actions/{action_id}"


class Actions:
    """``start`` (the API), ``run`` (the worker) and ``status`` (the API) of asynchronous editor actions."""

    def __init__(
        self,
        editor: Editor,
        store: ActionStore,
        starter: ActionStarter,
        audit: AuditTrail,
        clock: Clock,
        new_id: Callable[[], str] = lambda: "a" + uuid.uuid4().hex[:20],
    ) -> None:
        self.editor, self.store, self.starter, self.audit, self.clock = editor, store, starter, audit, clock
        self.new_id = new_id

    def start(self, day: str, kind: str, actor: str, request: dict[str, Any]) -> dict[str, Any]:
        """Check the request, store the action as queued and hand it to the worker; Refused when it cannot be."""
        if kind not in KINDS:
            raise Refused(f"not an asynchronous action: {kind[:40]!r}")
        text = json.dumps(request, ensure_ascii=False)
        if len(text) > MAX_REQUEST:
            raise Refused(f"the request is too large ({len(text):,} characters, at most {MAX_REQUEST:,})")
        self.editor.precheck(kind, day, request, actor)
        now = self.clock.now()
        record = ActionRecord(
            self.new_id(), day, kind, actor, QUEUED, now.isoformat(), now.isoformat(), (now + PICKUP).isoformat(), text
        )
        self.store.create(record)
        self._audit(record, "started", f"action {record.action_id}")
        try:
            self.starter.start(action_event(record.action_id, day))
        except DigestError as exc:
            self._end(record, FAILED, reason=f"could not start the action: {exc}")
            raise
        return self._view(record, now)

    def run(self, event: Any, remaining_ms: int) -> dict[str, Any]:
        """The worker: run the action the event names, once, and store how it ended."""
        action_id, day = parse_action_event(event)
        record = self.store.get(action_id)
        if record is None or record.edition_date != day:
            raise MalformedAction(f"malformed editor action event: no action {action_id} for {day}")
        now = self.clock.now()
        if record.state == QUEUED and now > datetime.fromisoformat(record.deadline):
            self._end(record, FAILED, reason="the action waited too long to start: nothing was done")
            return {"action": action_id, "state": FAILED}
        deadline = now + timedelta(milliseconds=remaining_ms) + MARGIN
        if not self.store.claim(action_id, now.isoformat(), deadline.isoformat()):
            logger.warning("action already taken", extra={"action": action_id, "state": record.state})
            return {"action": action_id, "state": record.state}
        try:
            result = self._perform(record)
        except (Refused, FutureEdition) as exc:
            self._end(record, FAILED, reason=str(exc), refused=True)
        except DigestError as exc:
            logger.exception("editor action failed", extra={"action": action_id})
            self._end(record, FAILED, reason=f"the action failed: {exc}")
        except Exception as exc:  # noqa: BLE001 - whatever happens, the editor learns the action ended
            logger.exception("editor action crashed", extra={"action": action_id})
            self._end(record, FAILED, reason=f"the action failed unexpectedly ({type(exc).__name__}); see the logs")
        else:
            self._end(record, DONE, result=result)
        ended = self.store.get(action_id)
        return {"action": action_id, "state": ended.state if ended else FAILED}

    def status(self, day: str, action_id: str) -> dict[str, Any]:
        record = self.store.get(action_id) if _ID.fullmatch(action_id) else None
        if record is None or record.edition_date != day:
            raise UnknownAction(f"there is no action {action_id[:40]!r} for {day}")
        return self._view(record, self.clock.now())

    def _perform(self, record: ActionRecord) -> dict[str, Any]:
        day, actor, request, e = record.edition_date, record.actor, json.loads(record.request), self.editor
        if record.kind == "rebuild":
            return e.rebuild(day, actor, note=request.get("note"))
        if record.kind == "story edit":
            return e.edit_story(
                day,
                str(request.get("story", "")),
                actor,
                correction=bool(request.get("correction")),
                note=request.get("note"),
                **(request.get("fields") or {}),
            )
        if record.kind == "title":
            return e.set_title(day, actor, str(request.get("title") or ""), note=request.get("note"))
        if record.kind == "test-send":
            return e.test_send(day, actor, [str(a) for a in request.get("to") or []])
        if record.kind == "send":
            return e.send_now(day, actor)
        return e.resend_failures(day, actor, unknown=str(request.get("unknown") or "keep"))

    def _end(
        self, record: ActionRecord, state: str, result: Any = None, reason: str = "", refused: bool = False
    ) -> None:
        text = json.dumps(result, ensure_ascii=False) if result is not None else ""
        ended = replace(
            record, state=state, updated_at=self.clock.now().isoformat(), result=text, reason=reason, refused=refused
        )
        self.store.finish(ended)
        outcome = DONE if state == DONE else ("refused" if refused else FAILED)
        version = result.get("version", 0) if isinstance(result, dict) else 0
        self._audit(ended, outcome, f"action {record.action_id}" + (f": {reason}" if reason else ""), version)

    def _audit(self, record: ActionRecord, outcome: str, detail: str, version: int = 0) -> None:
        self.audit.record(
            AuditEntry(
                record.edition_date,
                self.clock.now().isoformat(),
                record.actor,
                record.kind,
                int(version or 0),
                outcome,
                detail[:900],
            )
        )
        logger.info("editor action", extra={"action": record.action_id, "kind": record.kind, "outcome": outcome})

    def _view(self, record: ActionRecord, now: datetime) -> dict[str, Any]:
        state, reason = record.state, record.reason
        if state in (QUEUED, RUNNING) and now > datetime.fromisoformat(record.deadline):
            reason = (
                "the action did not start in time: nothing was done"
                if state == QUEUED
                else "the action did not finish in time (its worker stopped): check the edition's status"
            )
            state = FAILED
        end = datetime.fromisoformat(record.updated_at) if state in (DONE, FAILED) and state == record.state else now
        view: dict[str, Any] = {
            "action": record.action_id,
            "edition_date": record.edition_date,
            "kind": record.kind,
            "state": state,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
            "elapsed_s": round(max(0.0, (end - datetime.fromisoformat(record.created_at)).total_seconds()), 1),
            "status_url": status_path(record.edition_date, record.action_id),
        }
        if state == DONE:
            view["result"] = json.loads(record.result) if record.result else {}
        if state == FAILED:
            view.update(error=reason, refused=record.refused)
        return view
