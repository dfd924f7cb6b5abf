"""Delivery-group marks (pynamodb), kept in the ledger table under their own partition key
(``groups#<day>``, never an edition id), one item per (time zone, hour) group."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from digest.adapters.dynamo import conditional_put
from digest.core.delivery_groups import GroupMark

KEEP_DAYS = 400  # as long as the ledger's own records
PREFIX = "groups#"


class GroupItem(Model):
    edition_id = UnicodeAttribute(hash_key=True)  # "groups#<day>"
    subscriber_id = UnicodeAttribute(range_key=True)  # the group's key, e.g. "Asia/Tokyo@07"
    state = UnicodeAttribute()
    due_at = UnicodeAttribute()
    at = UnicodeAttribute(default="")
    recipients = NumberAttribute(default=0)
    messages = NumberAttribute(default=0)
    expires_at = NumberAttribute()  # TTL, epoch seconds


class DynamoGroups:
    def __init__(self, model: type[GroupItem]) -> None:
        self.model = model

    def for_day(self, day: str) -> list[GroupMark]:
        return [_mark(day, item) for item in self.model.query(PREFIX + day, consistent_read=True)]

    def put(self, mark: GroupMark, expected: GroupMark | None) -> bool:
        expires = int((datetime.fromisoformat(mark.due_at) + timedelta(days=KEEP_DAYS)).timestamp())
        item = self.model(
            PREFIX + mark.day,
            mark.key,
            state=mark.state,
            due_at=mark.due_at,
            at=mark.at,
            recipients=mark.recipients,
            messages=mark.messages,
            expires_at=expires,
        )
        condition: Any
        if expected is None:
            condition = self.model.edition_id.does_not_exist()
        else:
            condition = (self.model.state == expected.state) & (self.model.at == expected.at)
        return conditional_put(item, condition)


def _mark(day: str, item: GroupItem) -> GroupMark:
    return GroupMark(
        day, item.subscriber_id, item.due_at, item.state, item.at or "", int(item.recipients), int(item.messages)
    )
