"""DynamoDB stores (pynamodb) for subscribers and the exactly-once delivery ledger."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, TransactWriteError
from pynamodb.transactions import TransactWrite

from digest.adapters.dynamo import conditional_put, conditional_update
from digest.adapters.dynamo_models import LedgerItem, SubscriberItem
from digest.core.subscriber import CLAIMED, MOVED, Delivery, Subscriber
from digest.errors import StorageError
from digest.ports import Clock

LEDGER_DAYS = 400


class DynamoSubscribers:
    def __init__(self, model: type[SubscriberItem], clock: Clock) -> None:
        self.model, self.clock = model, clock

    def put(self, subscriber: Subscriber) -> None:
        self.model(**asdict(subscriber)).save()

    def get(self, subscriber_id: str) -> Subscriber | None:
        found = self._read(subscriber_id)
        return self._read(found.moved_to) if found is not None and found.moved_to else found  # a legacy id: its record

    def _read(self, subscriber_id: str) -> Subscriber | None:
        try:
            return self._subscriber(self.model.get(subscriber_id, consistent_read=True))
        except self.model.DoesNotExist:
            return None

    def _moved_to(self, subscriber_id: str) -> str:
        """Where a legacy id's record went ("" when the item is no alias): read after a failed write."""
        found = self._read(subscriber_id)
        return found.moved_to if found is not None else ""

    def with_status(self, status: str) -> Iterator[Subscriber]:
        for item in self.model.by_status.query(status):
            yield self._subscriber(item)

    def add(self, subscriber: Subscriber) -> bool:
        return conditional_put(self.model(**asdict(subscriber)), self.model.subscriber_id.does_not_exist())

    def update(
        self,
        subscriber_id: str,
        changes: dict[str, object],
        expected: Iterable[str],
        unchanged_since: str | None = None,
    ) -> bool:
        """One UpdateItem: SET on the named attributes only, conditioned on the stored status."""
        unknown = set(changes) - set(Subscriber.__dataclass_fields__) - {"subscriber_id"}
        if unknown or "subscriber_id" in changes:
            raise ValueError(f"not a subscriber field that can change: {sorted(unknown or {'subscriber_id'})}")
        statuses = tuple(expected)
        if not statuses or not changes:
            return False
        actions = [
            getattr(self.model, name).remove() if value is None else getattr(self.model, name).set(value)
            for name, value in changes.items()
        ]
        condition = self.model.subscriber_id.exists() & self.model.status.is_in(*statuses)
        if unchanged_since is not None:
            condition = condition & (self.model.updated_at == unchanged_since)
        if conditional_update(self.model(subscriber_id), actions, condition, "update subscriber"):
            return True
        moved_to = self._moved_to(subscriber_id)  # a legacy id: the write is for the record it moved to
        return bool(moved_to) and self.update(moved_to, changes, statuses, unchanged_since)

    def set_status(
        self, subscriber_id: str, status: str, reason: str = "", expected: Iterable[str] | None = None
    ) -> bool:
        now = self.clock.now().isoformat()
        actions = [self.model.status.set(status), self.model.reason.set(reason), self.model.updated_at.set(now)]
        condition = self.model.subscriber_id.exists() & (self.model.status != MOVED)
        statuses = None if expected is None else tuple(expected)
        if statuses is not None:
            if not statuses:
                return False
            condition = condition & self.model.status.is_in(*statuses)
        if conditional_update(self.model(subscriber_id), actions, condition, "update subscriber"):
            return True
        moved_to = self._moved_to(subscriber_id)  # a legacy id: the write is for the record it moved to
        return bool(moved_to) and self.set_status(moved_to, status, reason, statuses)

    def move(self, record: Subscriber, alias: Subscriber, read: Subscriber) -> bool:
        """One TransactWriteItems: ``record`` under its new id (none may be there) and ``alias`` in
        place of the old item while its status and ``updated_at`` are still ``read``'s."""
        meta = self.model.Meta
        still = (self.model.status == read.status) & (self.model.updated_at == read.updated_at)
        try:
            with TransactWrite(connection=Connection(region=meta.region, host=getattr(meta, "host", None))) as t:
                t.save(self.model(**asdict(record)), condition=self.model.subscriber_id.does_not_exist())
                t.save(self.model(**asdict(alias)), condition=self.model.subscriber_id.exists() & still)
        except TransactWriteError as exc:
            reasons = {r.code for r in exc.cancellation_reasons if r is not None}
            if exc.cause_response_code == "TransactionCanceledException" and reasons <= {
                "ConditionalCheckFailed",
                "TransactionConflict",
            }:
                return False
            raise StorageError("could not move subscriber") from exc
        return True

    def every(self) -> Iterator[Subscriber]:
        for item in self.model.scan():  # pynamodb pages through the scan
            yield self._subscriber(item)

    def delete(self, subscriber_id: str, expected: Iterable[str]) -> bool:
        statuses = tuple(expected)
        if not statuses:
            return False
        condition = self.model.subscriber_id.exists() & self.model.status.is_in(*statuses)
        try:
            self.model(subscriber_id).delete(condition=condition)
        except DeleteError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise StorageError("could not delete subscriber") from exc
        return True

    @staticmethod
    def _subscriber(item: SubscriberItem) -> Subscriber:
        values = {k: getattr(item, k) for k in Subscriber.__dataclass_fields__}
        hour = None if item.send_hour is None else int(item.send_hour)
        return Subscriber(**{**values, "soft_bounces": int(item.soft_bounces or 0), "send_hour": hour})


class DynamoLedger:
    """The delivery ledger. A claim's owner token is kept in its ``detail`` (``owner:<token>``):
    a claimed record has no other detail, and every other state overwrites it."""

    def __init__(self, model: type[LedgerItem], clock: Clock) -> None:
        self.model, self.clock = model, clock

    def _item(self, edition_id: str, subscriber_id: str, state: str, **extra: str) -> LedgerItem:
        now = self.clock.now()
        expires = int((now + timedelta(days=LEDGER_DAYS)).timestamp())
        return self.model(edition_id, subscriber_id, state=state, updated_at=now, expires_at=expires, **extra)

    def claim(self, edition_id: str, subscriber_id: str, owner: str = "") -> bool:
        item = self._item(edition_id, subscriber_id, CLAIMED, detail=_owned(owner))
        return conditional_put(item, self.model.edition_id.does_not_exist())

    def get(self, edition_id: str, subscriber_id: str) -> Delivery | None:
        try:
            item = self.model.get(edition_id, subscriber_id, consistent_read=True)
        except self.model.DoesNotExist:
            return None
        return _delivery(item)

    def mark(
        self,
        edition_id: str,
        subscriber_id: str,
        state: str,
        message_id: str = "",
        detail: str = "",
        *,
        if_current: Delivery | None = None,
        if_absent: bool = False,
    ) -> bool:
        item = self._item(edition_id, subscriber_id, state, message_id=message_id, detail=detail)
        if if_absent:
            return conditional_put(item, self.model.edition_id.does_not_exist())
        if if_current is None:
            item.save()
            return True
        stored = _owned(if_current.owner) if if_current.state == CLAIMED else if_current.detail
        return conditional_put(item, (self.model.state == if_current.state) & self._detail_is(stored))

    def _detail_is(self, value: str) -> Any:
        same = self.model.detail == value
        return same | self.model.detail.does_not_exist() if not value else same

    def for_edition(self, edition_id: str) -> Iterator[Delivery]:
        for item in self.model.query(edition_id):
            yield _delivery(item)

    def release(self, edition_id: str, subscriber_id: str, state: str = CLAIMED, owner: str | None = None) -> None:
        condition = self.model.state == state
        if owner is not None:
            condition = condition & self._detail_is(_owned(owner))
        try:
            self.model(edition_id, subscriber_id).delete(condition=condition)
        except DeleteError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise StorageError("could not release ledger claim") from exc


_OWNER = "owner:"


def _owned(owner: str) -> str:
    return f"{_OWNER}{owner}" if owner else ""


def _delivery(item: LedgerItem) -> Delivery:
    detail, owner = item.detail or "", ""
    if item.state == CLAIMED and detail.startswith(_OWNER):
        detail, owner = "", detail[len(_OWNER) :]
    return Delivery(
        item.edition_id,
        item.subscriber_id,
        item.state,
        item.message_id or "",
        detail,
        item.updated_at.isoformat() if item.updated_at else "",
        owner,
    )
