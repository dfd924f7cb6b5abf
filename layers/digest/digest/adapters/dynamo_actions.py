"""DynamoDB store (pynamodb) for asynchronous editor actions, in the audit table.

An action lives under the partition key ``action#<id>`` (sort key ``state``), which is never an
edition date, so an edition's audit query never sees it.
"""

from __future__ import annotations

from dataclasses import asdict

from pynamodb.exceptions import PynamoDBException

from digest.adapters.dynamo import conditional_put, conditional_update
from digest.adapters.dynamo_models import ActionItem
from digest.core.audit import ActionRecord
from digest.errors import StorageError

QUEUED, RUNNING = "queued", "running"
_SORT = "state"


def _key(action_id: str) -> str:
    return f"action#{action_id}"


class DynamoActions:
    def __init__(self, model: type[ActionItem]) -> None:
        self.model = model

    def create(self, record: ActionRecord) -> None:
        values = asdict(record)
        action_id, day = values.pop("action_id"), values.pop("edition_date")
        item = self.model(_key(action_id), _SORT, day=day, **values)
        if not conditional_put(item, self.model.edition_date.does_not_exist()):
            raise StorageError(f"action {action_id} exists already")

    def get(self, action_id: str) -> ActionRecord | None:
        try:
            item = self.model.get(_key(action_id), _SORT, consistent_read=True)
        except self.model.DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise StorageError("could not read the action") from exc
        return ActionRecord(
            action_id,
            item.day,
            item.kind,
            item.actor,
            item.state,
            item.created_at,
            item.updated_at,
            item.deadline,
            item.request,
            item.result or "",
            item.reason or "",
            bool(item.refused),
        )

    def claim(self, action_id: str, at: str, deadline: str) -> bool:
        m = self.model
        actions = [m.state.set(RUNNING), m.updated_at.set(at), m.deadline.set(deadline)]
        return conditional_update(m(_key(action_id), _SORT), actions, m.state == QUEUED, "start the action")

    def finish(self, record: ActionRecord) -> None:
        m = self.model
        try:
            m(_key(record.action_id), _SORT).update(
                actions=[
                    m.state.set(record.state),
                    m.updated_at.set(record.updated_at),
                    m.result.set(record.result),
                    m.reason.set(record.reason),
                    m.refused.set(record.refused),
                ],
                condition=m.edition_date.exists(),
            )
        except PynamoDBException as exc:
            raise StorageError("could not record the action's end") from exc
