"""Editor actions on an edition, each checked against the lifecycle and recorded in the audit trail.

Illegal actions (approving a held edition, sending twice, editing a sent edition without making
a correction) are refused with the lifecycle's reason and recorded as refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from aws_lambda_powertools import Logger

from digest.core import lifecycle
from digest.core.audit import AuditEntry
from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.overrides import Overrides
from digest.core.plans import validate_address
from digest.core.subscriber import Subscriber, normalize_address, subscriber_id
from digest.ports import AuditTrail, BlobStore, Clock, EditionStore, Ledger, Queue
from digest.services.assemble import overrides_key
from digest.services.feedback import delivery_stats
from digest.services.reconcile import resend_unaccounted
from digest.services.refusals import BadRequest, Refused  # noqa: F401 - Refused is public here
from digest.services.refusals import check_day as _check_day

logger = Logger(child=True)


@dataclass(frozen=True)
class EditorPorts:
    editions: EditionStore
    blobs: BlobStore
    ledger: Ledger
    queue: Queue
    audit: AuditTrail
    clock: Clock


class Editor:
    """``rebuild(day, note)`` and ``dispatch(day)`` are the assemble and send paths the scheduled run
    uses; ``test_send`` sends a test copy of a version to given people without touching the ledger."""

    def __init__(
        self,
        ports: EditorPorts,
        *,
        rebuild: Callable[..., Any],
        dispatch: Callable[[str], Any],
        test_send: Callable[[str, int, list[Subscriber]], int],
        require_approval: bool = False,
    ) -> None:
        self.p, self._rebuild, self._dispatch, self._test_send = ports, rebuild, dispatch, test_send
        self.require_approval = require_approval

    def precheck(self, kind: str, day: str, request: dict[str, Any]) -> None:
        """Refuse at once what an asynchronous action would certainly refuse (nothing is recorded)."""
        _check_day(day)
        if kind != "rebuild":
            self._latest(day)
        if kind == "test-send":
            to = request.get("to")
            self._people(to if isinstance(to, list) else [])
        if kind == "story edit" and not (request.get("story") and isinstance(request.get("fields"), dict)):
            raise BadRequest("name the story and the fields to change")

    def status(self, day: str) -> dict[str, Any]:
        _check_day(day)
        versions = self.p.editions.versions(day)
        latest = versions[-1] if versions else None
        diff = self.p.blobs.get(version_key(day, latest.version, "diff.json")) if latest else None
        return {
            "edition_date": day,
            "status": latest.status if latest else "none",
            "reason": latest.reason if latest else "",
            "version": latest.version if latest else 0,
            "audio": latest.audio_status if latest else "none",
            "versions": [
                {
                    "version": v.version,
                    "status": v.status,
                    "created_at": v.created_at,
                    "stories": v.story_count,
                    "subject": v.subject,
                }
                for v in versions
            ],
            "diff": json.loads(diff) if diff else None,
            "delivery": delivery_stats(self.p.ledger.for_edition(day)),
            "allowed": list(lifecycle.allowed_actions(latest.status, require_approval=self.require_approval))
            if latest
            else ["build"],
        }

    def preview(self, day: str) -> str:
        latest = self._latest(day)
        html = self.p.blobs.get(version_key(day, latest.version, "email.html"))
        return (html or b"").decode("utf-8")

    def rebuild(self, day: str, actor: str, note: str | None = None) -> dict[str, Any]:
        result = self._guarded(day, actor, "rebuild", lambda: self._rebuild(day, note))
        return {
            "created": result.created,
            "version": result.record.version if result.record else 0,
            "status": result.record.status if result.record else "none",
            "reason": result.reason,
            "diff": result.diff or [],
        }

    def edit_story(
        self, day: str, cluster_id: str, actor: str, *, correction: bool = False, **changes: Any
    ) -> dict[str, Any]:
        """Change one story (headline, summary, pin, drop, position) and rebuild.

        An edition that has gone out only changes as an explicit correction.
        """
        latest = self._latest(day)
        if latest.status in (lifecycle.SENT, lifecycle.SENDING) and not correction:
            self._audit(day, actor, "story edit", latest.version, "refused", "edition was sent: ask for a correction")
            raise Refused(f"cannot edit a {latest.status} edition without making a correction (correction=true)")
        key = overrides_key(day)
        try:
            overrides = Overrides.from_json(self.p.blobs.get(key)).with_edit(cluster_id, **changes)
        except (ValueError, TypeError) as exc:
            raise Refused(str(exc)) from exc
        self.p.blobs.put(key, overrides.to_json().encode("utf-8"), "application/json")
        self._audit(day, actor, "story edit", latest.version, "ok", json.dumps({"story": cluster_id, **changes})[:900])
        return self.rebuild(day, actor)

    def approve(self, day: str, actor: str) -> dict[str, Any]:
        return self._move(day, actor, lifecycle.APPROVE)

    def hold(self, day: str, actor: str, reason: str) -> dict[str, Any]:
        return self._move(day, actor, lifecycle.HOLD, reason)

    def release(self, day: str, actor: str) -> dict[str, Any]:
        return self._move(day, actor, lifecycle.RELEASE)

    def send_now(self, day: str, actor: str) -> dict[str, Any]:
        latest = self._latest(day)
        result = self._dispatch(day)
        outcome = "refused" if result.reason else "ok"
        self._audit(day, actor, "send", latest.version, outcome, result.reason)
        if result.reason:
            raise Refused(result.reason)
        return {"recipients": result.recipients, "messages": result.messages, "variant": result.variant}

    def test_send(self, day: str, actor: str, addresses: list[str]) -> dict[str, Any]:
        latest = self._latest(day)
        people = self._people(addresses)
        sent = self._test_send(day, latest.version, people)
        self._audit(day, actor, "test-send", latest.version, "ok", f"{sent} test copies")
        return {"sent": sent}

    def resend_failures(self, day: str, actor: str) -> dict[str, Any]:
        """Re-send failed deliveries and claims SES never reported (see ``services.reconcile``)."""
        latest = self._latest(day)
        variant = "email" if latest.audio_status in ("ready", "placeholder") else "email-noaudio"
        again = resend_unaccounted(
            day, latest.version, variant, ledger=self.p.ledger, queue=self.p.queue, now=self.p.clock.now()
        )
        self._audit(day, actor, "resend-failures", latest.version, "ok", f"{len(again)} recipients")
        return {"recipients": len(again)}

    @staticmethod
    def _people(addresses: list[str]) -> list[Subscriber]:
        bad = [str(a)[:60] for a in addresses if validate_address(normalize_address(str(a)))]
        if bad or not addresses:
            raise BadRequest(f"not valid addresses: {', '.join(bad)}" if bad else "give at least one address")
        return [
            Subscriber(subscriber_id(str(a)), normalize_address(str(a)), "active", "complimentary")
            for a in addresses[:20]
        ]

    def audit(self, day: str) -> list[dict[str, Any]]:
        _check_day(day)
        return [asdict(e) for e in self.p.audit.for_edition(day)]

    def _move(self, day: str, actor: str, action: str, reason: str = "") -> dict[str, Any]:
        latest = self._latest(day)

        def move() -> EditionRecord:
            updated = latest.moved(action, reason=reason)
            if not self.p.editions.set_status(updated, expected=latest.status):
                raise Refused("the edition changed meanwhile: check its status and try again")
            return updated

        updated = self._guarded(day, actor, action, move, version=latest.version, detail=reason)
        return {"edition_date": day, "status": updated.status, "version": updated.version}

    def _guarded(
        self, day: str, actor: str, action: str, run: Callable[[], Any], version: int | None = None, detail: str = ""
    ) -> Any:
        try:
            result = run()
        except lifecycle.IllegalTransition as exc:
            self._audit(day, actor, action, version or 0, "refused", str(exc))
            raise Refused(str(exc)) from exc
        record = getattr(result, "record", result)
        self._audit(day, actor, action, getattr(record, "version", version or 0), "ok", detail)
        return result

    def _latest(self, day: str) -> EditionRecord:
        _check_day(day)
        latest = self.p.editions.latest(day)
        if latest is None:
            raise Refused(f"there is no edition for {day} yet: rebuild it first")
        return latest

    def _audit(self, day: str, actor: str, action: str, version: int, outcome: str, detail: str = "") -> None:
        self.p.audit.record(AuditEntry(day, self.p.clock.now().isoformat(), actor, action, version, outcome, detail))
        logger.info("editor action", extra={"edition_date": day, "action": action, "outcome": outcome})
