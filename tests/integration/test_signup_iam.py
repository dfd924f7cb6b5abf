"""The public and confirm functions' permissions, read from template.yaml: the actions they use and
no more, and SES sends only From the stack's Sender (``ses:FromAddress``)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from digest_tools.local.template import load_template

RES = load_template()["Resources"]


def _policies(function: str) -> list[Any]:
    return RES[function]["Properties"]["Policies"]


def _statements(function: str) -> list[dict[str, Any]]:
    return [s for p in _policies(function) if isinstance(p, dict) and "Statement" in p for s in p["Statement"]]


def _evaluate(value: Any, sender: str) -> Any:
    """The few intrinsic functions the condition uses, with ``Sender`` set."""
    if isinstance(value, list):
        return [_evaluate(v, sender) for v in value]
    if not isinstance(value, dict):
        return value
    if "Fn::Sub" in value:
        return re.sub(r"\$\{Sender\}", sender, value["Fn::Sub"])
    if "Fn::Split" in value:
        separator, text = value["Fn::Split"]
        return _evaluate(text, sender).split(separator)
    if "Fn::Select" in value:
        index, items = value["Fn::Select"]
        return _evaluate(items, sender)[index]
    raise AssertionError(f"unexpected intrinsic {value}")


def _actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


@pytest.mark.parametrize("function", ["PublicFunction", "ConfirmFunction"])
def test_no_full_crud_on_any_table(function):
    names = {next(iter(p)) for p in _policies(function) if isinstance(p, dict)}
    assert not names & {"DynamoDBCrudPolicy", "DynamoDBWritePolicy", "DynamoDBReadPolicy"}
    table_actions = {
        s["Resource"]["Fn::GetAtt"][0]: _actions(s)
        for s in _statements(function)
        if "dynamodb:UpdateItem" in _actions(s)
    }
    expected = {
        "PublicFunction": {"SubscribersTable": {"dynamodb:GetItem", "dynamodb:UpdateItem"}},
        "ConfirmFunction": {"SubscribersTable": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}},
    }[function]
    assert table_actions == {**expected, "SignupLimitsTable": {"dynamodb:UpdateItem"}}


@pytest.mark.parametrize("function", ["PublicFunction", "ConfirmFunction"])
@pytest.mark.parametrize(
    "sender",
    ["Morning Digest <digest@news.example.org>", "digest@news.example.org", "A, B & C <a.b+c@news.example.org>"],
)
def test_ses_sends_only_from_the_senders_address(function, sender):
    (ses,) = [s for s in _statements(function) if any(a.startswith("ses:") for a in _actions(s))]
    assert _actions(ses) == {"ses:SendEmail", "ses:SendRawEmail"}
    allowed = _evaluate(ses["Condition"]["StringEquals"]["ses:FromAddress"], sender)
    bare = sender.rsplit("<", 1)[-1].rstrip(">")
    assert bare in allowed
    assert all(value == bare or "@" not in value for value in allowed), allowed  # the other value is no address


def test_the_confirm_queue_is_paced_and_reports_partial_failures():
    source = RES["ConfirmFunction"]["Properties"]["Events"]["ConfirmQueueMessages"]["Properties"]
    assert source["Queue"] == {"Fn::GetAtt": ["ConfirmQueue", "Arn"]}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["ScalingConfig"]["MaximumConcurrency"] == 2 and source["BatchSize"] <= 10
    queue = RES["ConfirmQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * RES["ConfirmFunction"]["Properties"]["Timeout"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["ConfirmDeadLetterQueue", "Arn"]}
    assert RES["SignupLimitsTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }
