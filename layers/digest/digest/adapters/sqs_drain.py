"""A queue drained by this process right after each enqueue: the local stack's stand-in for
Lambda's SQS event source (moto has queues but no event source mappings).

Messages go to the real queue first; then they are received and handed to the consumer one by
one, and deleted when it returns. A message whose consumer raises stays on the queue and comes
back after its visibility timeout, as with a partial batch response (``ReportBatchItemFailures``).
Deployed, the event source does this and the plain :class:`~digest.adapters.sqs.SqsQueue` is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from digest.errors import StorageError

logger = Logger(child=True)
MAX_ROUNDS = 100  # receives per drain: bounded even while other requests keep the queue busy


def signup_queue(settings: Any, queue: Any, client: Callable[[str], Any], consume: Callable[[str], object]) -> Any:
    """Where sign-ups queue confirmation requests: ``queue``, or with ``CONFIRM_QUEUE_DRAIN=inline``
    (the local stack) the same queue drained by ``consume`` right after each enqueue."""
    if settings.confirm_queue_drain != "inline":
        return queue
    return DrainedQueue(queue, client("sqs"), settings.confirm_queue_url, consume)


class DrainedQueue:
    def __init__(self, queue: Any, sqs: Any, url: str, consume: Callable[[str], object]) -> None:
        self.queue, self.sqs, self.url, self.consume = queue, sqs, url, consume

    def send(self, bodies: Iterable[str]) -> int:
        sent = self.queue.send(bodies)
        self.drain()
        return sent

    def drain(self) -> int:
        """Receive and consume what is visible now; returns how many messages were consumed."""
        done = 0
        for _ in range(MAX_ROUNDS):
            try:
                reply = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            except (ClientError, BotoCoreError) as exc:
                raise StorageError("could not receive confirmation requests") from exc
            messages = reply.get("Messages", [])
            if not messages:
                break
            for message in messages:
                try:
                    self.consume(message["Body"])
                except Exception:  # noqa: BLE001 - like a batch item failure: it comes back later
                    logger.exception("confirmation request failed: left on the queue")
                    continue
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
                done += 1
        return done
