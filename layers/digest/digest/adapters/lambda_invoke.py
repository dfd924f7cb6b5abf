"""Start an editor action asynchronously: invoke a Lambda function (this one) with InvocationType=Event."""

from __future__ import annotations

import json
from typing import Any

from digest.errors import InvokeError


class LambdaStarter:
    """Hands an event to ``function_name`` and returns once Lambda has queued it (HTTP 202)."""

    def __init__(self, client: Any, function_name: str) -> None:
        self.client, self.function_name = client, function_name

    def start(self, event: dict) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            reply = self.client.invoke(
                FunctionName=self.function_name, InvocationType="Event", Payload=json.dumps(event).encode("utf-8")
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise InvokeError(
                f"Lambda refused to start {self.function_name}: "
                f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
            ) from exc
        except BotoCoreError as exc:
            raise InvokeError(f"cannot reach Lambda to start {self.function_name}: {exc}") from exc
        if reply.get("StatusCode") != 202:
            raise InvokeError(f"Lambda did not queue the action (status {reply.get('StatusCode')})")
