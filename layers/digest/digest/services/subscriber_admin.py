"""The subscriber list for the newsroom's admins: counts, search, export, import and removal.

Import never makes anyone active: each valid address without a record is queued on the sign-up
confirmation queue, exactly as the public form queues one (:mod:`digest.services.subscribe`); its
consumer (:mod:`digest.services.confirmations`) makes the reader pending and emails the link, and
only the reader's click activates. An address the list already knows is reported, not touched:
``existing`` (active, pending, unsubscribed, lapsed) or ``suppressed`` (bounced, complained).

Removal deletes the reader's personal data. The suppression rule: a reader who bounced or
complained is not deleted outright, or a later import (or sign-up) could mail them again. Their
record is kept under its keyed id (a hash of the address, see ``core.subscriber.subscriber_id``)
with the status and nothing else: no address, name, zone, role or source. Imports and the
confirmation consumer read that status and send nothing. Anyone else's record is deleted.

Every action that reads or changes readers' data (search, export, import, remove) is recorded in
the audit trail under the newsroom's current edition date, naming the person; the entry holds
counts and keyed ids, never an address.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools import Logger

from digest.core.audit import AuditEntry
from digest.core.schedule import edition_day
from digest.core.subscriber import ACTIVE, MOVED, SUPPRESSED, Subscriber
from digest.core.subscriber_csv import export_csv, read_import
from digest.errors import DigestError
from digest.ports import AuditTrail, Clock, Downloads, Queue
from digest.ports_reader import SubscriberStore
from digest.services.confirmations import ConfirmationRequest
from digest.services.refusals import BadRequest, Refused

logger = Logger(child=True)

IMPORT_CAP = 1000  # addresses per import; the rest are reported, never dropped silently
MAX_IMPORT_BYTES = 1_000_000
SEARCH_LIMIT, SEARCH_MAX = 50, 200
EXPORT_SECONDS = 300  # how long an export's download link works
WRITE_TRIES = 3
REMOVED = "removed"  # the reason of a suppressed reader's record kept without personal data
KEPT_BLANK = ("email", "name", "timezone", "role", "source", "trial_end", "paused_until", "moved_from", "moved_on")


class UnknownSubscriber(BadRequest):
    """Remove named no subscriber the list has."""


class NotAdmin(DigestError):
    """The caller may see the counts but not manage the list (not in the admins group)."""


class SubscriberAdmin:
    def __init__(
        self,
        *,
        subscribers: SubscriberStore,
        signup_requests: Queue,
        audit: AuditTrail,
        clock: Clock,
        candidates: Callable[[str], Sequence[str]],
        downloads: Downloads,
        zone: str = "America/New_York",
    ) -> None:
        self.subscribers, self.requests, self.audit, self.clock = subscribers, signup_requests, audit, clock
        self.candidates, self.downloads, self.zone = candidates, downloads, zone

    def counts(self) -> dict[str, Any]:
        """Readers by status and by plan; removed suppressed records count apart (``removed``)."""
        by_status: Counter[str] = Counter()
        by_plan: Counter[str] = Counter()
        removed = 0
        for reader in self.subscribers.every():
            if not reader.email:  # a removed reader's kept suppression, or an id migration's alias
                removed += reader.status in SUPPRESSED
                continue
            by_status[reader.status] += 1
            by_plan[reader.plan] += 1
        return {
            "active": by_status[ACTIVE],
            "by_status": dict(sorted(by_status.items())),
            "by_plan": dict(sorted(by_plan.items())),
            "removed": removed,
        }

    def search(self, query: str, limit: object = None, actor: str = "") -> dict[str, Any]:
        """Readers whose address contains ``query`` (case-insensitive), at most ``limit`` (50 by
        default, 200 at most), sorted by address; ``truncated`` says more matched."""
        needle = str(query or "").strip().lower()
        if len(needle) < 2:
            raise BadRequest("search needs at least 2 characters of an address")
        cap = _limit(limit)
        matches = sorted((r for r in self.subscribers.every() if r.email and needle in r.email), key=lambda r: r.email)
        self._audit(actor, "subscribers search", f"{min(len(matches), cap)} shown of {len(matches)} matching")
        return {"query": needle, "results": [_view(r) for r in matches[:cap]], "truncated": len(matches) > cap}

    def export(self, actor: str) -> dict[str, Any]:
        """Every reader (not the removed) as CSV, sorted by address, offered as a private file: the
        reply holds a link that downloads it for ``EXPORT_SECONDS`` (the file itself goes after a
        day). A list of any size leaves this way; a reply body stops at Lambda's 6 MB, which a list
        passes at roughly 90,000 readers. Audited."""
        readers = sorted((r for r in self.subscribers.every() if r.email), key=lambda r: r.email)
        name = f"subscribers-{edition_day(self.clock.now(), self.zone).isoformat()}.csv"
        url = self.downloads.offer(name, export_csv(readers).encode("utf-8"), "text/csv; charset=utf-8", EXPORT_SECONDS)
        self._audit(actor, "subscribers export", f"{len(readers)} readers")
        return {"url": url, "filename": name, "readers": len(readers), "expires_in": EXPORT_SECONDS}

    def import_csv(self, text: object, actor: str) -> dict[str, Any]:
        """Invite each new valid address of ``text`` (a confirmation email; they stay pending
        until they click); known, suppressed and invalid rows are reported and left alone."""
        if not isinstance(text, str) or not text.strip():
            raise BadRequest('import needs CSV text: {"csv": "email\\nreader@example.org"}')
        if len(text.encode("utf-8")) > MAX_IMPORT_BYTES:
            raise BadRequest(f"import is limited to {MAX_IMPORT_BYTES:,} bytes: split the file")
        rows = read_import(text, IMPORT_CAP)
        invite: list[str] = []
        existing = suppressed = 0
        for address in rows.addresses:
            current = self._known(address)
            if current is None:
                invite.append(address)
            elif current.status in SUPPRESSED:
                suppressed += 1
            else:
                existing += 1
        self.requests.send(ConfirmationRequest(a, source="import").to_body() for a in invite)
        outcome = {
            "invited": len(invite),
            "existing": existing,
            "suppressed": suppressed,
            "repeated": rows.repeated,
            "over_cap": rows.over_cap,
            "cap": IMPORT_CAP,
            "invalid": rows.invalid,
        }
        detail = ", ".join(f"{k} {v}" for k, v in outcome.items() if k not in ("cap", "invalid"))
        self._audit(actor, "subscribers import", f"{detail}, invalid {len(rows.invalid)}")
        logger.info("subscribers imported", extra={k: v for k, v in outcome.items() if k != "invalid"})
        return outcome

    def remove(self, subscriber_id: str, actor: str) -> dict[str, Any]:
        """Delete a reader's personal data (a suppressed reader's status stays, see the module)."""
        for _ in range(WRITE_TRIES):  # it changed meanwhile (a complaint, a confirmation): decide again
            current = self.subscribers.get(subscriber_id)
            if current is None or not current.email:
                raise UnknownSubscriber(f"no subscriber {subscriber_id[:40]!r} on the list (already removed?)")
            kept = current.status in SUPPRESSED
            if kept:
                changes: dict[str, object] = {k: "" for k in KEPT_BLANK}
                changes.update(send_hour=None, reason=REMOVED, updated_at=self.clock.now().isoformat())
                done = self.subscribers.update(subscriber_id, changes, (current.status,))
            else:
                done = self.subscribers.delete(subscriber_id, (current.status,))
            if done:
                note = f"{subscriber_id} (was {current.status}): personal data deleted"
                self._audit(actor, "subscribers remove", note + (", suppression kept" if kept else ""))
                was = current.status
                return {"subscriber_id": subscriber_id, "removed": True, "was": was, "suppression_kept": kept}
        raise Refused(f"subscriber {subscriber_id[:40]!r} kept changing while being removed: try again")

    def _known(self, address: str) -> Subscriber | None:
        """The record the list has for ``address``: under its keyed id, else its legacy one (an
        alias left by the id migration, status ``moved``, is no reader's record)."""
        for sid in self.candidates(address):
            current = self.subscribers.get(sid)
            if current is not None and current.status != MOVED:
                return current
        return None

    def _audit(self, actor: str, action: str, detail: str) -> None:
        now = self.clock.now()
        entry = AuditEntry(edition_day(now, self.zone).isoformat(), now.isoformat(), actor, action, 0, "ok", detail)
        self.audit.record(entry)


def _limit(raw: object) -> int:
    if raw in (None, ""):
        return SEARCH_LIMIT
    try:
        value = int(str(raw))
    except ValueError:
        raise BadRequest(f"limit must be a whole number from 1 to {SEARCH_MAX}, got {str(raw)[:20]!r}") from None
    if not 1 <= value <= SEARCH_MAX:
        raise BadRequest(f"limit must be a whole number from 1 to {SEARCH_MAX}, got {value}")
    return value


def _view(reader: Subscriber) -> dict[str, Any]:
    """What a search shows of a reader (their keyed id for Remove)."""
    return {
        "subscriber_id": reader.subscriber_id,
        "email": reader.email,
        "status": reader.status,
        "plan": reader.plan,
        "timezone": reader.timezone,
        "send_hour": reader.send_hour,
        "created": reader.created_at[:10],
    }
