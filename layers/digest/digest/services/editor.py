"""Editor actions on an edition, each checked against the lifecycle and recorded in the audit trail.

Illegal actions (approving a held edition, sending twice, editing a story the edition does not
have, editing a sent edition without a correction note) are refused with the reason, in the
commands' own words, and recorded as refused.

Approval and edits. An approval covers what the edition holds and in which order. Editing an
approved edition keeps it approved when the new version differs from it only in wording: the
headline or summary of the story edited, or the edition's title. A story added, dropped (or
restored), pinned, unpinned, moved, or changed by newer wire copy during the rebuild needs a new
approval: the new version is a draft and the reply lists what changed (``approval``).

Corrections. Once sent, an edition changes only as a correction, and the editor writes the note
readers see on the web copy (``note``); it is stamped with the newsroom's date, time and zone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from aws_lambda_powertools import Logger

from digest.core import desk as rules
from digest.core import lifecycle
from digest.core.audit import AuditEntry
from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.plans import validate_address
from digest.core.subscriber import Subscriber, SubscriberIds, normalize_address
from digest.ports import AuditTrail, BlobStore, Clock, DeliveryGroupStore, EditionStore, Ledger, Queue
from digest.services import desk
from digest.services.desk import StoryEdits, UnknownStory  # noqa: F401 - UnknownStory is public here
from digest.services.dispatch import email_variant
from digest.services.feedback import delivery_stats
from digest.services.group_progress import group_rows
from digest.services.reconcile import KEEP, RESEND, resend_unaccounted, unaccounted
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
    groups: DeliveryGroupStore | None = None  # reader groups by (time zone, hour)


class Editor(StoryEdits):
    """``rebuild(day, note)`` and ``dispatch(day)`` are the assemble and send paths the scheduled run
    uses; ``test_send`` sends a test copy of a version to given people without touching the ledger."""

    def __init__(
        self,
        ports: EditorPorts,
        *,
        rebuild: Callable[..., Any],
        dispatch: Callable[[str], Any],
        test_send: Callable[[str, int, list[Subscriber], str], int],
        require_approval: bool = False,
        zone: str = "UTC",
        subscriber_ids: Callable[[], SubscriberIds] | None = None,
    ) -> None:
        self.p, self._rebuild, self._dispatch, self._test_send = ports, rebuild, dispatch, test_send
        self.require_approval, self.zone = require_approval, zone
        # The stack's ids, asked for when a test copy is made (their key needs the signing secret).
        # Test copies are never stored: without the stack's key their ids are keyed with a fixed one.
        self.ids = subscriber_ids or (lambda: SubscriberIds(b"test copies"))

    def precheck(self, kind: str, day: str, request: dict[str, Any], actor: str = "") -> None:
        """Refuse at once what an asynchronous action would certainly refuse (an unknown story, a
        correction without its note and sending twice are recorded as refused)."""
        _check_day(day)
        if kind != "rebuild":
            latest = self._latest(day)
        if kind == "test-send":
            to = request.get("to")
            self._people(to if isinstance(to, list) else [])
        if kind == "send":
            self._not_sent(latest, actor)
        if kind == "title" and not isinstance(request.get("title"), str):
            raise BadRequest("give the edition's title (an empty title goes back to the top story's headline)")
        if kind == "story edit" and not (request.get("story") and isinstance(request.get("fields"), dict)):
            raise BadRequest("name the story and the fields to change")
        if kind == "story edit":
            self._known(day, str(request["story"]), actor)
        if kind in ("story edit", "title"):
            self._noted(latest, actor, request.get("note"), kind)

    def stories(self, day: str) -> dict[str, Any]:
        """The stories of the latest version (ids, headlines, agencies, state, sources, notes), then
        the dropped ones."""
        return desk.stories(self.p.editions, self.p.blobs, self._latest(day))

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
            "versions": [rules.version_row(v) for v in versions],
            "diff": json.loads(diff) if diff else None,
            "delivery": delivery_stats(self.p.ledger.for_edition(day)),
            "groups": group_rows(day, self.p.groups, self.p.blobs, self.p.ledger.for_edition(day)) if latest else [],
            "unknown_outcomes": unaccounted(day, ledger=self.p.ledger, now=self.p.clock.now()).unknown,
            "allowed": rules.next_commands(
                lifecycle.allowed_actions(latest.status, require_approval=self.require_approval)
                if latest
                else ["build"]
            ),
            "variant": email_variant(latest, self.p.blobs) if latest else None,
            "stories": self.stories(day)["stories"] if latest else [],
        }

    def preview(self, day: str) -> str:
        """The email HTML exactly as a send now would go out (the same variant, with or without audio)."""
        latest = self._latest(day)
        html = self.p.blobs.get(version_key(day, latest.version, f"{email_variant(latest, self.p.blobs)}.html"))
        return (html or b"").decode("utf-8")

    def rebuild(self, day: str, actor: str, note: str | None = None) -> dict[str, Any]:
        latest = self.p.editions.latest(day)
        if note and note.strip() and latest is not None and latest.status == lifecycle.SENT:
            note = rules.correction_note(note, self.p.clock.now(), self.zone)
        result = self._guarded(day, actor, "rebuild", lambda: self._rebuild(day, note))
        return {
            "created": result.created,
            "version": result.record.version if result.record else 0,
            "status": result.record.status if result.record else "none",
            "reason": result.reason,
            "diff": result.diff or [],
        }

    def approve(self, day: str, actor: str) -> dict[str, Any]:
        return self._move(day, actor, lifecycle.APPROVE)

    def hold(self, day: str, actor: str, reason: str) -> dict[str, Any]:
        return self._move(day, actor, lifecycle.HOLD, reason)

    def release(self, day: str, actor: str) -> dict[str, Any]:
        return self._move(day, actor, lifecycle.RELEASE)

    def send_now(self, day: str, actor: str) -> dict[str, Any]:
        latest = self._latest(day)
        self._not_sent(latest, actor)
        result = self._dispatch(day)
        outcome = "refused" if result.reason else "ok"
        self._audit(day, actor, "send", latest.version, outcome, result.reason)
        if result.reason:
            raise Refused(result.reason)
        return {"recipients": result.recipients, "messages": result.messages, "variant": result.variant}

    def test_send(self, day: str, actor: str, addresses: list[str]) -> dict[str, Any]:
        latest = self._latest(day)
        people = self._people(addresses)
        sent = self._test_send(day, latest.version, people, email_variant(latest, self.p.blobs))
        self._audit(day, actor, "test-send", latest.version, "ok", f"{sent} test copies")
        return {"sent": sent}

    def resend_failures(self, day: str, actor: str, unknown: str = KEEP) -> dict[str, Any]:
        """Re-send failed deliveries; unknown outcomes only when the editor says ``unknown="resend"``."""
        if unknown not in (KEEP, RESEND):
            raise BadRequest(f"unknown outcomes are kept or re-sent: 'keep' or 'resend', not {unknown[:40]!r}")
        latest = self._latest(day)
        variant, now = email_variant(latest, self.p.blobs), self.p.clock.now()
        again = resend_unaccounted(
            day, latest.version, variant, ledger=self.p.ledger, queue=self.p.queue, now=now, unknown=unknown
        )
        detail = f"{len(again)} recipients; unknown outcomes: {unknown}"
        self._audit(day, actor, "resend-failures", latest.version, "ok", detail)
        left = unaccounted(day, ledger=self.p.ledger, now=now).unknown
        return {"recipients": len(again), "unknown": len(left)}

    def _people(self, addresses: list[str]) -> list[Subscriber]:
        bad = [str(a)[:60] for a in addresses if validate_address(normalize_address(str(a)))]
        if bad or not addresses:
            raise BadRequest(f"not valid addresses: {', '.join(bad)}" if bad else "give at least one address")
        return [
            Subscriber(self.ids().of(str(a)), normalize_address(str(a)), "active", "complimentary")
            for a in addresses[:20]
        ]

    def audit(self, day: str) -> list[dict[str, Any]]:
        _check_day(day)
        return [asdict(e) for e in self.p.audit.for_edition(day)]

    def _move(self, day: str, actor: str, action: str, reason: str = "") -> dict[str, Any]:
        updated = self._move_record(self._latest(day), actor, action, reason)
        return {"edition_date": day, "status": updated.status, "version": updated.version}

    def _move_record(self, record: EditionRecord, actor: str, action: str, reason: str = "") -> EditionRecord:
        def move() -> EditionRecord:
            updated = record.moved(action, reason=reason if action == lifecycle.HOLD else "")
            if not self.p.editions.set_status(updated, expected=record.status):
                raise Refused("the edition changed meanwhile: check its status and try again")
            return updated

        moved: EditionRecord = self._guarded(
            record.edition_date, actor, action, move, version=record.version, detail=reason
        )
        return moved

    def _not_sent(self, latest: EditionRecord, actor: str) -> None:
        """Sending twice is refused in the commands' words (and recorded)."""
        if latest.status in (lifecycle.SENT, lifecycle.SENDING):
            why = (
                f"cannot send twice: the edition of {latest.edition_date} is {latest.status}; a change now is a "
                "correction: `digest story edit ... --note TEXT` or `digest rebuild --note TEXT`"
            )
            self._audit(latest.edition_date, actor, "send", latest.version, "refused", why)
            raise Refused(why)

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
