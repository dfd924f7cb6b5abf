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


DESK_GROUPS = frozenset({"editors", "admins"})  # the desk's Cognito groups that may act on editions


def editor_caller(event: Mapping[str, Any]) -> tuple[str, bool]:
    """Who made an editor API request, and whether they may act: the IAM caller's ARN (the CLI),
    or the desk's signed-in person by email, allowed when in the editors or admins group (API
    Gateway's JWT authorizer passes claims as strings, a list as ``[a b]``).

    >>> jwt = {"jwt": {"claims": {"email": "ada@example.org", "cognito:groups": "[editors]"}}}
    >>> editor_caller({"requestContext": {"authorizer": jwt}})
    ('ada@example.org (desk)', True)
    >>> editor_caller({"requestContext": {"authorizer": {"jwt": {"claims": {"email": "eve@example.org"}}}}})
    ('eve@example.org (desk)', False)
    >>> editor_caller({"requestContext": {"authorizer": {"iam": {"userArn": "arn:aws:iam::1:user/cli"}}}})
    ('arn:aws:iam::1:user/cli', True)
    """
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = (authorizer.get("jwt") or {}).get("claims")
    if claims is not None:
        groups = claims.get("cognito:groups", "")
        names = set(groups.strip("[]").split()) if isinstance(groups, str) else set(groups)
        person = claims.get("email") or claims.get("cognito:username") or claims.get("sub") or "unknown"
        return f"{person} (desk)", bool(names & DESK_GROUPS)
    return (authorizer.get("iam") or {}).get("userArn") or "unknown", True


def editor_role(event: Mapping[str, Any]) -> str:
    """What the caller of an editor API request may do: ``admin`` (the desk's admins group, or
    an IAM-signed request: the CLI), ``editor`` (the editors group) or ``""`` (neither).

    >>> editor_role({"requestContext": {"authorizer": {"jwt": {"claims": {"cognito:groups": "[editors admins]"}}}}})
    'admin'
    >>> editor_role({"requestContext": {"authorizer": {"jwt": {"claims": {"cognito:groups": "[editors]"}}}}})
    'editor'
    >>> editor_role({"requestContext": {"authorizer": {"jwt": {"claims": {}}}}})
    ''
    >>> editor_role({"requestContext": {"authorizer": {"iam": {"userArn": "arn:aws:iam::1:user/cli"}}}})
    'admin'
    """
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = (authorizer.get("jwt") or {}).get("claims")
    if claims is None:
        return "admin"
    groups = claims.get("cognito:groups", "")
    names = set(groups.strip("[]").split()) if isinstance(groups, str) else set(groups)
    return "admin" if "admins" in names else "editor" if "editors" in names else ""
