"""DynamoDB stores (pynamodb) for stories, editions, subscribers and the delivery ledger."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timedelta, timezone

from pynamodb.exceptions import DeleteError, PutError, PynamoDBException

from digest.adapters.dynamo_models import AuditItem, EditionItem, FeedStateItem, LedgerItem, StoryItem, SubscriberItem
from digest.core.story import Story
from digest.core.subscriber import Delivery, Subscriber
from digest.errors import StorageError
from digest.ports import NEW, SAME, UPDATED, AuditEntry, EditionRecord, FeedState

LEDGER_DAYS = 400


def _conditional_put(item, condition) -> bool:
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise StorageError(f"could not write to {item.Meta.table_name}") from exc
    return True


class DynamoStories:
    def __init__(self, model: type[StoryItem]) -> None:
        self.model = model

    def save(self, story: Story) -> str:
        fields = asdict(story)
        fields.pop("story_id")
        item = self.model(story.story_id, day=story.day, stored_at=datetime.now(timezone.utc),
                          **{**fields, "published": story.published.isoformat()})
        if _conditional_put(item, self.model.story_id.does_not_exist()):
            return NEW
        stored = self.get(story.story_id)
        if stored is None or stored.version > story.version or _same_copy(stored, story):
            return SAME
        # Optimistic: replace only the copy we compared against, so a racing newer version wins.
        unchanged = (self.model.version == stored.version) & (self.model.content_hash == stored.content_hash)
        return UPDATED if _conditional_put(item, unchanged) else SAME

    def get(self, story_id: str) -> Story | None:
        try:
            return self._story(self.model.get(story_id, consistent_read=True))
        except self.model.DoesNotExist:
            return None

    def between(self, start: datetime, end: datetime) -> list[Story]:
        stories = []
        day = start.date()
        try:
            while day <= end.date():
                condition = self.model.published.between(start.isoformat(), end.isoformat())
                for item in self.model.by_day.query(day.isoformat(), condition):
                    stories.append(self._story(item))
                day += timedelta(days=1)
        except PynamoDBException as exc:
            raise StorageError("could not read stories") from exc
        return [s for s in stories if start <= s.published < end]

    @staticmethod
    def _story(item: StoryItem) -> Story:
        values = {k: getattr(item, k) for k in Story.__dataclass_fields__}
        return Story(**{**values, "published": datetime.fromisoformat(item.published),
                        "version": int(item.version), "urgency": int(item.urgency)})


def _same_copy(stored: Story, incoming: Story) -> bool:
    return (stored.content_hash, stored.status, stored.corrected, stored.embargo) == (
        incoming.content_hash, incoming.status, incoming.corrected, incoming.embargo)


class DynamoFeedState:
    def __init__(self, model: type[FeedStateItem]) -> None:
        self.model = model

    def get(self, source: str) -> FeedState | None:
        try:
            item = self.model.get(source, consistent_read=True)
        except self.model.DoesNotExist:
            return None
        return FeedState(item.source, item.etag, item.last_modified, item.fetched_at)

    def put(self, state: FeedState) -> None:
        self.model(**asdict(state)).save()


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
        return _conditional_put(self._item(record), self.model.version.does_not_exist())

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
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
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


class DynamoSubscribers:
    def __init__(self, model: type[SubscriberItem]) -> None:
        self.model = model

    def put(self, subscriber: Subscriber) -> None:
        self.model(**asdict(subscriber)).save()

    def get(self, subscriber_id: str) -> Subscriber | None:
        try:
            return self._subscriber(self.model.get(subscriber_id, consistent_read=True))
        except self.model.DoesNotExist:
            return None

    def with_status(self, status: str) -> Iterator[Subscriber]:
        for item in self.model.by_status.query(status):
            yield self._subscriber(item)

    def set_status(self, subscriber_id: str, status: str, reason: str = "") -> bool:
        now = datetime.now(timezone.utc).isoformat()
        actions = [self.model.status.set(status), self.model.reason.set(reason), self.model.updated_at.set(now)]
        try:
            self.model(subscriber_id).update(actions=actions, condition=self.model.subscriber_id.exists())
        except PynamoDBException as exc:
            if getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException":
                return False
            raise StorageError("could not update subscriber") from exc
        return True

    @staticmethod
    def _subscriber(item: SubscriberItem) -> Subscriber:
        values = {k: getattr(item, k) for k in Subscriber.__dataclass_fields__}
        return Subscriber(**{**values, "soft_bounces": int(item.soft_bounces or 0)})


class DynamoLedger:
    def __init__(self, model: type[LedgerItem]) -> None:
        self.model = model

    def _item(self, edition_id: str, subscriber_id: str, state: str, **extra: str) -> LedgerItem:
        now = datetime.now(timezone.utc)
        expires = int((now + timedelta(days=LEDGER_DAYS)).timestamp())
        return self.model(edition_id, subscriber_id, state=state, updated_at=now, expires_at=expires, **extra)

    def claim(self, edition_id: str, subscriber_id: str) -> bool:
        return _conditional_put(self._item(edition_id, subscriber_id, "claimed"), self.model.edition_id.does_not_exist())

    def get(self, edition_id: str, subscriber_id: str) -> Delivery | None:
        try:
            item = self.model.get(edition_id, subscriber_id, consistent_read=True)
        except self.model.DoesNotExist:
            return None
        return _delivery(item)

    def mark(self, edition_id: str, subscriber_id: str, state: str, message_id: str = "", detail: str = "") -> None:
        self._item(edition_id, subscriber_id, state, message_id=message_id, detail=detail).save()

    def for_edition(self, edition_id: str) -> Iterator[Delivery]:
        for item in self.model.query(edition_id):
            yield _delivery(item)

    def release(self, edition_id: str, subscriber_id: str, state: str = "claimed") -> None:
        try:
            self.model(edition_id, subscriber_id).delete(condition=self.model.state == state)
        except DeleteError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise StorageError("could not release ledger claim") from exc


def _delivery(item: LedgerItem) -> Delivery:
    return Delivery(item.edition_id, item.subscriber_id, item.state, item.message_id, item.detail,
                    item.updated_at.isoformat() if item.updated_at else "")


class DynamoAudit:
    def __init__(self, model: type[AuditItem]) -> None:
        self.model = model

    def record(self, entry: AuditEntry) -> None:
        # Sort key: the action's time, then a nanosecond counter and a random tail (same-instant actions keep order).
        self.model(entry.edition_date, f"{entry.at}#{time.time_ns():020d}{uuid.uuid4().hex[:6]}", **{
            k: v for k, v in asdict(entry).items() if k != "edition_date"}).save()

    def for_edition(self, edition_date: str) -> list[AuditEntry]:
        return [AuditEntry(item.edition_date, item.at, item.actor, item.action, int(item.version), item.outcome,
                           item.detail) for item in self.model.query(edition_date)]
