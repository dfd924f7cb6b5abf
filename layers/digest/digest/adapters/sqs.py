"""SQS queue of send batches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from digest.errors import StorageError


class SqsQueue:
    def __init__(self, sqs: Any, url: str) -> None:
        self.sqs, self.url = sqs, url

    def send(self, bodies: Iterable[str]) -> int:
        return self.send_later(bodies, 0)

    def send_later(self, bodies: Iterable[str], delay_seconds: int) -> int:
        """Queue ``bodies``, each received no sooner than ``delay_seconds`` from now (parked work:
        a new message, so waiting never counts toward the dead-letter queue's receive limit)."""
        pending, sent = list(bodies), 0
        for start in range(0, len(pending), 10):
            entries = [
                {"Id": str(i), "MessageBody": b, **({"DelaySeconds": delay_seconds} if delay_seconds else {})}
                for i, b in enumerate(pending[start : start + 10])
            ]
            try:
                reply = self.sqs.send_message_batch(QueueUrl=self.url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise StorageError("could not queue send batches") from exc
            if reply.get("Failed"):
                raise StorageError(f"SQS refused {len(reply['Failed'])} send batches")
            sent += len(entries)
        return sent
