"""Guard: pause sending when a reputation alarm fires (bounce or complaint rate near SES review)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from digest.ports import SendingSwitch

logger = Logger(child=True)


def on_alarm(message: Any, *, switch: SendingSwitch) -> str:
    """Handle one CloudWatch alarm notification (the SNS message body).

    An alarm entering ALARM pauses sending with the alarm's name and reason; OK and
    INSUFFICIENT_DATA change nothing (resuming is an operator's decision). Returns the action.
    """
    try:
        alarm = json.loads(message) if isinstance(message, str) else message
        state, name = alarm["NewStateValue"], alarm["AlarmName"]
    except (TypeError, ValueError, KeyError):
        logger.warning("not a CloudWatch alarm notification")
        return "malformed"
    if state != "ALARM":
        return "ignored"
    reason = f"{name}: {alarm.get('NewStateReason', '')}"
    switch.pause(reason)
    logger.warning("sending paused", extra={"alarm": name})
    return "paused"
