"""DynamoDB stores (pynamodb) for edition records and the editors' audit trail."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import asdict

from digest.adapters.dynamo import conditional_put, conditional_update
from digest.adapters.dynamo_models import AuditItem, EditionItem
from digest.core.audit import AuditEntry
from digest.core.edition_record import EditionRecord

_order = itertools.count()
AUDIO_FIELDS = ("audio_key", "audio_status", "audio_seconds", "audio_bytes", "chapters")
STARTING = "starting"  # a narration was started for the version (or may have been)


class DynamoEditions:
    def __init__(self, model: type[EditionItem]) -> None:
        self.model = model

    def latest(self, edition_date: str) -> EditionRecord | None:
        for item in self.model.query(edition_date, scan_index_forward=False, limit=1, consistent_read=True):
            return self._record(item)
        return None

    def get(self, edition_date: str, version: int) -> EditionRecord | None:
        try:
            return self._record(self.model.get(edition_date, version, consistent_read=True))
        except self.model.DoesNotExist:
            return None

    def versions(self, edition_date: str) -> list[EditionRecord]:
        return [self._record(item) for item in self.model.query(edition_date, self.model.version > 0)]

    def add(self, record: EditionRecord) -> bool:
        return conditional_put(self._item(record), self.model.version.does_not_exist())

    def update(self, record: EditionRecord) -> None:
        self._item(record).save()

    def set_audio(self, record: EditionRecord) -> None:
        m = self.model
        m(record.edition_date, record.version).update(
            actions=[
                m.audio_key.set(record.audio_key),
                m.audio_status.set(record.audio_status),
                m.audio_seconds.set(record.audio_seconds),
                m.audio_bytes.set(record.audio_bytes),
                m.chapters.set([list(c) for c in record.chapters]),
            ]
        )

    def set_audio_fields(self, record: EditionRecord, *names: str, if_status: str = "") -> bool:
        unknown = set(names) - set(AUDIO_FIELDS)
        if unknown or not names:
            raise ValueError(f"not audio fields: {sorted(unknown) or 'none given'}")
        m = self.model
        values = {"chapters": [list(c) for c in record.chapters]}
        actions = [getattr(m, name).set(values.get(name, getattr(record, name))) for name in names]
        condition = m.version.exists()  # an update would create a missing item: the version must exist
        if if_status:
            condition &= m.audio_status == if_status
        return conditional_update(
            m(record.edition_date, record.version), actions, condition, "update the edition's audio"
        )

    def claim_audio(self, record: EditionRecord) -> bool:
        m = self.model
        unclaimed = m.audio_status.is_in("none", "failed") | m.audio_status.does_not_exist()
        item = m(record.edition_date, record.version)
        return conditional_update(
            item, [m.audio_status.set(STARTING)], m.version.exists() & unclaimed, "claim the edition's narration"
        )

    def set_status(self, record: EditionRecord, expected: str) -> bool:
        m = self.model
        actions = [m.status.set(record.status), m.reason.set(record.reason)]
        return conditional_update(
            m(record.edition_date, record.version), actions, m.status == expected, "update the edition"
        )

    def _item(self, record: EditionRecord) -> EditionItem:
        values = asdict(record)
        values.update(story_ids=list(record.story_ids), chapters=[list(c) for c in record.chapters])
        return self.model(**values)

    @staticmethod
    def _record(item: EditionItem) -> EditionRecord:
        values = {k: getattr(item, k) for k in EditionRecord.__dataclass_fields__}
        values.update(
            version=int(item.version),
            story_count=int(item.story_count),
            audio_bytes=int(item.audio_bytes),
            audio_seconds=float(item.audio_seconds),
            story_ids=tuple(item.story_ids or ()),
            chapters=tuple((str(a), float(t)) for a, t in (item.chapters or ())),
        )
        return EditionRecord(**values)


class DynamoAudit:
    def __init__(self, model: type[AuditItem]) -> None:
        self.model = model

    def record(self, entry: AuditEntry) -> None:
        # Sort key: the action's time, then this process's counter and a random tail (same-instant actions keep order).
        self.model(
            entry.edition_date,
            f"{entry.at}#{next(_order):012d}{uuid.uuid4().hex[:8]}",
            **{k: v for k, v in asdict(entry).items() if k != "edition_date"},
        ).save()

    def for_edition(self, edition_date: str) -> list[AuditEntry]:
        return [
            AuditEntry(
                item.edition_date, item.at, item.actor, item.action, int(item.version), item.outcome, item.detail
            )
            for item in self.model.query(edition_date)
        ]
