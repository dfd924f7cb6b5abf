"""DynamoDB stores (pynamodb) for edition records and the editors' audit trail."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import asdict

from pynamodb.exceptions import PynamoDBException

from digest.adapters.dynamo import condition_failed, conditional_put
from digest.adapters.dynamo_models import AuditItem, EditionItem
from digest.errors import StorageError
from digest.ports import AuditEntry, EditionRecord

_order = itertools.count()


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
        m(record.edition_date, record.version).update(actions=[
            m.audio_key.set(record.audio_key), m.audio_status.set(record.audio_status),
            m.audio_seconds.set(record.audio_seconds), m.audio_bytes.set(record.audio_bytes),
            m.chapters.set([list(c) for c in record.chapters])])

    def set_status(self, record: EditionRecord, expected: str) -> bool:
        m = self.model
        try:
            m(record.edition_date, record.version).update(
                actions=[m.status.set(record.status), m.reason.set(record.reason)], condition=m.status == expected)
        except PynamoDBException as exc:
            if condition_failed(exc):
                return False
            raise StorageError("could not update the edition") from exc
        return True

    def _item(self, record: EditionRecord) -> EditionItem:
        values = asdict(record)
        values.update(story_ids=list(record.story_ids), chapters=[list(c) for c in record.chapters])
        return self.model(**values)

    @staticmethod
    def _record(item: EditionItem) -> EditionRecord:
        values = {k: getattr(item, k) for k in EditionRecord.__dataclass_fields__}
        values.update(
            version=int(item.version), story_count=int(item.story_count), audio_bytes=int(item.audio_bytes),
            audio_seconds=float(item.audio_seconds), story_ids=tuple(item.story_ids or ()),
            chapters=tuple((str(a), float(t)) for a, t in (item.chapters or ())),
        )
        return EditionRecord(**values)


class DynamoAudit:
    def __init__(self, model: type[AuditItem]) -> None:
        self.model = model

    def record(self, entry: AuditEntry) -> None:
        # Sort key: the action's time, then this process's counter and a random tail (same-instant actions keep order).
        self.model(entry.edition_date, f"{entry.at}#{next(_order):012d}{uuid.uuid4().hex[:8]}", **{
            k: v for k, v in asdict(entry).items() if k != "edition_date"}).save()

    def for_edition(self, edition_date: str) -> list[AuditEntry]:
        return [AuditEntry(item.edition_date, item.at, item.actor, item.action, int(item.version), item.outcome,
                           item.detail) for item in self.model.query(edition_date)]
