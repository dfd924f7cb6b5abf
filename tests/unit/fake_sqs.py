"""An SQS standard queue with a redrive policy, on a virtual clock, for fault tests.

What it keeps from SQS (and the Lambda event source that polls it):

* a received message is invisible for ``visibility`` seconds, then visible again unless deleted;
* every receive counts (``ApproximateReceiveCount``); a message whose count has reached
  ``max_receives`` moves to the dead-letter queue on its next receive;
* at-least-once delivery: ``receive(duplicate=True)`` may hand out a copy of a message another
  consumer holds right now (with its own receipt handle);
* any number of consumers; a delete with an older receipt handle still deletes (the harsher case);
* ``send_later`` (the ``DelayQueue`` port): a new message, invisible for its delay, count 0.

Implements the ``Queue`` and ``DelayQueue`` ports. Time is ``clock()``, in seconds.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass
class QueuedMessage:
    message_id: str
    body: str
    visible_at: float = 0.0
    receives: int = 0
    handle: str = ""


class FakeSqs:
    def __init__(
        self,
        clock: Callable[[], float] = lambda: 0.0,
        *,
        visibility: float = 1800.0,
        max_receives: int = 5,
        rng: random.Random | None = None,
    ) -> None:
        self.clock, self.visibility, self.max_receives = clock, visibility, max_receives
        self.rng = rng or random.Random(0)
        self.messages: dict[str, QueuedMessage] = {}
        self.dlq: list[QueuedMessage] = []
        self.sent_bodies: list[str] = []  # everything ever enqueued, in order
        self._ids, self._handles = itertools.count(1), itertools.count(1)

    # --- the producer side (ports) ---------------------------------------------------------------

    def send(self, bodies: Iterable[str]) -> int:
        return self.send_later(bodies, 0)

    def send_later(self, bodies: Iterable[str], delay_seconds: int) -> int:
        assert 0 <= delay_seconds <= 900, "SQS delays are 0-900 seconds"
        count = 0
        for body in bodies:
            message = QueuedMessage(f"msg-{next(self._ids)}", body, self.clock() + delay_seconds)
            self.messages[message.message_id] = message
            self.sent_bodies.append(body)
            count += 1
        return count

    # --- the consumer side (the event source mapping) --------------------------------------------

    def receive(self, limit: int = 10, duplicate: bool = False) -> list[QueuedMessage]:
        """Up to ``limit`` visible messages (oldest first); with ``duplicate``, one in flight too."""
        now, batch = self.clock(), []
        for message in sorted(self.messages.values(), key=lambda m: (m.visible_at, int(m.message_id[4:]))):
            if len(batch) >= limit:
                break
            if message.visible_at > now:
                continue
            if message.receives >= self.max_receives:
                del self.messages[message.message_id]
                self.dlq.append(message)
                continue
            batch.append(self._hand_out(message, now))
        in_flight = [m for m in self.messages.values() if m.visible_at > now and m.receives]
        if duplicate and in_flight and len(batch) < limit:
            batch.append(self._hand_out(self.rng.choice(in_flight), now))
        return batch

    def _hand_out(self, message: QueuedMessage, now: float) -> QueuedMessage:
        message.receives += 1
        message.visible_at = now + self.visibility
        message.handle = f"rh-{next(self._handles)}"
        return QueuedMessage(message.message_id, message.body, message.visible_at, message.receives, message.handle)

    def delete(self, copy: QueuedMessage) -> None:
        self.messages.pop(copy.message_id, None)

    def change_visibility(self, copy: QueuedMessage, seconds: float) -> None:
        if copy.message_id in self.messages:
            self.messages[copy.message_id].visible_at = self.clock() + seconds

    def redrive(self) -> int:
        """Move the dead letters back (as new messages, as the console's redrive does)."""
        moved = len(self.dlq)
        for message in self.dlq:
            message.receives, message.visible_at = 0, self.clock()
            self.messages[message.message_id] = message
        self.dlq = []
        return moved

    def pending(self) -> int:
        return len(self.messages)

    def next_visible(self) -> float | None:
        return min((m.visible_at for m in self.messages.values()), default=None)

    @staticmethod
    def records(batch: list[QueuedMessage]) -> list[dict]:
        """The Lambda SQS event records of a received batch."""
        return [
            {
                "messageId": m.message_id,
                "receiptHandle": m.handle,
                "body": m.body,
                "attributes": {"ApproximateReceiveCount": str(m.receives)},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:send",
            }
            for m in batch
        ]
