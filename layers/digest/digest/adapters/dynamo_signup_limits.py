"""Sign-up counters in DynamoDB: one item per counter (``counter`` key, ``uses``, TTL ``expires_at``).

Each use is one UpdateItem: ``ADD uses 1`` on the condition that the count is still under the
limit, so concurrent requests on any number of function instances never count past it. A key
names its window (``core.signup_limits``), so an expired item that TTL has not deleted yet is
never read as the current window's count.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from digest.errors import StorageError

_NAMES = {"#uses": "uses", "#expires": "expires_at"}


class DynamoSignupCounters:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self.dynamodb, self.table = dynamodb, table

    def take(self, key: str, limit: int, expires_at: int) -> bool:
        return self._update(
            key,
            "ADD #uses :one SET #expires = :expires",
            "attribute_not_exists(#uses) OR #uses < :limit",
            {":one": {"N": "1"}, ":limit": {"N": str(limit)}, ":expires": {"N": str(expires_at)}},
        )

    def give_back(self, key: str) -> None:
        self._update(key, "ADD #uses :less", "#uses > :zero", {":less": {"N": "-1"}, ":zero": {"N": "0"}})

    def _update(self, key: str, expression: str, condition: str, values: dict[str, Any]) -> bool:
        names = {k: v for k, v in _NAMES.items() if k in expression or k in condition}
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={"counter": {"S": key}},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise StorageError("could not count a sign-up request") from exc
        except BotoCoreError as exc:
            raise StorageError("could not count a sign-up request") from exc
        return True
