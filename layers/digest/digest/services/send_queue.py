"""The send queue's consumer: one queue message at a time, within the invocation's time.

What happens to a message:

* **done**: every recipient settled (sent, already, skipped, failed, unknown); it is deleted.
* **parked**: some recipients must wait (sending paused by the switch or by SES, throttled,
  another sender holds them, or the invocation ran out of time). What is left (those recipients,
  and any claim handed on in ``freed``) is queued again as a *new* message with a delay, and the
  received one is deleted: waiting never counts receives, so a pause of any length never moves
  the edition into the dead-letter queue.
* **kept**: parking is not possible (no delay queue) or failed: the caller reports the message
  as a batch item failure and SQS redelivers it after its visibility timeout.

A duplicate of a parked message (the park went through, the delete did not) costs nothing: the
ledger makes every repeated recipient a no-op.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from digest.errors import StorageError
from digest.ports import DelayQueue, SendingSwitch
from digest.services.send import Sender
from digest.services.send_claims import BatchResult

logger = Logger(child=True)

PAUSED_DELAY = 900  # SQS's longest delay: a paused send looks again every 15 minutes
RETRY_DELAY = 60  # throttled or held by another sender
DONE, PARKED, KEPT = "done", "parked", "kept"


@dataclass(frozen=True)
class Handled:
    """``outcome`` (done, parked or kept); ``paused`` says why sending is paused ("" when it is
    not); ``reason`` why the message was parked or kept."""

    outcome: str
    result: BatchResult
    paused: str = ""
    reason: str = ""


class SendQueueWorker:
    """Handles send-queue message bodies with a ``Sender``, the sending switch and (optionally)
    a ``DelayQueue`` to park waiting work."""

    def __init__(self, sender: Sender, switch: SendingSwitch, parking: DelayQueue | None = None) -> None:
        self.sender, self.switch, self.parking = sender, switch, parking

    def handle(self, body: str, time_left: Callable[[], float] | None = None) -> Handled:
        """Send one message body; see the module docstring for the outcomes."""
        if time_left is not None and time_left() < self.sender.reserve_seconds:
            return self._park(body, 0, BatchResult(out_of_time=True), "out of time before it started")
        paused = self.switch.paused()
        if paused:
            return self._park(body, PAUSED_DELAY, BatchResult(), f"sending is paused: {paused}", paused)
        result = self.sender.send_message(body, time_left)
        if not result.retry:
            return Handled(DONE, result)
        if result.paused:
            delay, reason = PAUSED_DELAY, f"SES refuses all mail: {result.paused}"
        elif len(result.retry) > result.busy or result.freed:
            delay = 0 if result.out_of_time else RETRY_DELAY
            reason = "out of time" if result.out_of_time else f"{len(result.retry)} recipients to retry"
        else:
            delay, reason = RETRY_DELAY, f"{result.busy} recipients held by another sender"
        return self._park(_rest(body, result), delay, result, reason, result.paused)

    def _park(self, body: str, delay: int, result: BatchResult, reason: str, paused: str = "") -> Handled:
        if self.parking is None:
            return Handled(KEPT, result, paused, reason)
        try:
            self.parking.send_later([body], delay)
        except StorageError:
            logger.exception("could not park a send batch; SQS redelivers it", extra={"reason": reason})
            return Handled(KEPT, result, paused, reason)
        logger.info("send batch parked", extra={"reason": reason[:300], "delay_seconds": delay})
        return Handled(PARKED, result, paused, reason)


def _rest(body: str, result: BatchResult) -> str:
    """The message body for what ``result`` left to do (the recipients in ``retry``)."""
    payload = json.loads(body)
    payload["subscriber_ids"] = list(result.retry)
    if result.freed:
        payload["freed"] = dict(result.freed)
    else:
        payload.pop("freed", None)
    return json.dumps(payload)
