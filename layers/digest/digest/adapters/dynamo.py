"""What every DynamoDB store shares: a conditional write that answers whether it took place."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError, PynamoDBException

from digest.errors import StorageError


def conditional_put(item, condition) -> bool:
    """Save ``item`` if ``condition`` holds; ``False`` when it does not, StorageError on failure."""
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise StorageError(f"could not write to {item.Meta.table_name}") from exc
    return True


def conditional_update(item: Any, actions: list[Any], condition: Any, what: str) -> bool:
    """Apply ``actions`` to ``item`` if ``condition`` holds; ``False`` when it does not, StorageError
    (``could not <what>``) on failure."""
    try:
        item.update(actions=actions, condition=condition)
    except PynamoDBException as exc:
        if condition_failed(exc):
            return False
        raise StorageError(f"could not {what}") from exc
    return True


def condition_failed(exc: PynamoDBException) -> bool:
    """Did a write fail only because its condition did not hold?"""
    return getattr(exc, "cause_response_code", "") == "ConditionalCheckFailedException"
