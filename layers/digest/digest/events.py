"""What the functions read from their Lambda events: one place knows each shape.

Scheduled and manual invocations may name an edition date; SNS deliveries (SES events, Polly
notices, alarms) are unwrapped with Powertools' ``SNSEvent`` data class.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from digest.errors import ConfigError


def edition_date(event: Any, today: date) -> date:
    """``edition_date`` of a manual invocation (``{"edition_date": "YYYY-MM-DD"}``), else ``today``.

    Examples
    --------
    >>> edition_date({"edition_date": "2026-11-28"}, date(2026, 12, 2))
    datetime.date(2026, 11, 28)
    >>> edition_date({"source": "scheduler"}, date(2026, 12, 2))
    datetime.date(2026, 12, 2)
    """
    raw = event.get("edition_date") if isinstance(event, Mapping) else None
    if not raw:
        return today
    try:
        return date.fromisoformat(str(raw))
    except ValueError as exc:
        raise ConfigError(f"edition_date must be YYYY-MM-DD, got {str(raw)[:40]!r}") from exc


def by_editor(event: Any) -> bool:
    """Was this invocation an editor's explicit request (not the schedule)?

    Examples
    --------
    >>> by_editor({"trigger": "editor"}), by_editor({})
    (True, False)
    """
    return isinstance(event, Mapping) and event.get("trigger") == "editor"


def sns_messages(event: Mapping[str, Any]) -> list[Any]:
    """The message of each SNS record, parsed as JSON (a body that is not JSON stays a string).

    Examples
    --------
    >>> sns_messages({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": '{"a": 1}'}},
    ...                           {"EventSource": "aws:sns", "Sns": {"Message": "ALARM"}}]})
    [{'a': 1}, 'ALARM']
    """
    from aws_lambda_powertools.utilities.data_classes import SNSEvent

    try:
        records = list(SNSEvent(dict(event)).records)
    except (KeyError, TypeError, ValueError):  # not an SNS event at all: nothing to read
        return []
    messages: list[Any] = []
    for record in records:
        try:
            body = record.sns.message
        except (KeyError, TypeError):
            body = ""
        try:
            messages.append(json.loads(body))
        except (TypeError, ValueError):
            messages.append(body)
    return messages
