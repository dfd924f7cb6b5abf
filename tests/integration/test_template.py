"""What a first deploy to a new account needs, read from template.yaml (and SAM's translation of it).

None of this can be proven without an account, so each rule of the deploy is held here: the send
function's concurrency, the editor's asynchronous actions, the sending switch outside the
stack, dead-letter destinations, bucket lifecycle, parameters a deploy must ask for, one runtime.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from digest_tools.local.stack import LOCAL_PARAMETERS, LocalStack
from digest_tools.local.template import load_template

REPO_ROOT = Path(__file__).resolve().parents[2]

T = load_template()
RES = T["Resources"]
PARAMS = T["Parameters"]
ENV = T["Globals"]["Function"]["Environment"]["Variables"]
FUNCTIONS = {k: v for k, v in RES.items() if v["Type"] == "AWS::Serverless::Function"}
SNS_FUNCTIONS = {"AudioFunction": "AudioTopic", "FeedbackFunction": "FeedbackTopic", "GuardFunction": "ReputationTopic"}
SWITCH_NAME = "/${AWS::StackName}/sending-switch"


def _props(name: str) -> dict[str, Any]:
    return RES[name]["Properties"]


def _statements(function: str) -> list[dict[str, Any]]:
    return [
        s
        for p in _props(function).get("Policies", [])
        if isinstance(p, dict) and "Statement" in p
        for s in p["Statement"]
    ]


def _refs(value: Any) -> set[str]:
    """Every resource or parameter a value names (Ref, GetAtt, ${...} in Sub)."""
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, inner in value.items():
        if key == "Ref":
            found.add(inner)
        elif key == "Fn::GetAtt":
            found.add(inner[0])
        elif key == "Fn::Sub":
            found |= {
                m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", inner if isinstance(inner, str) else inner[0])
            }
        else:
            found |= _refs(inner)
    return found


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    """The CloudFormation SAM would deploy (samtranslator, offline); code locations are stand-ins."""
    import os

    from samtranslator.translator.transform import transform

    template = copy.deepcopy(T)
    for name, resource in template["Resources"].items():
        for uri in ("CodeUri", "ContentUri"):
            if uri in resource.get("Properties", {}):
                resource["Properties"][uri] = f"s3://artifacts/{name}.zip"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return transform(template, dict(LOCAL_PARAMETERS), NoManagedPolicies())["Resources"]


# -- 0. the editor's asynchronous actions; assembly time; brand ----------------------------------


def test_the_editor_function_can_start_its_own_actions_once():
    editor = _props("EditorFunction")
    assert editor["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-editor"}
    route = editor["Events"]["EditorEditionsActionsGet"]["Properties"]
    assert (route["Path"], route["Method"]) == ("/editions/{day}/actions/{action}", "GET")
    invoke = [s for s in _statements("EditorFunction") if s["Action"] == "lambda:InvokeFunction"]
    assert [s["Resource"] for s in invoke] == [
        {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-editor"}
    ]
    assert "EditorFunction" not in _refs(editor), "a function naming itself is a circular dependency"
    assert editor["EventInvokeConfig"]["MaximumRetryAttempts"] == 0


def test_the_edition_is_assembled_at_the_parameters_hour_and_the_functions_know_it():
    assert "AssembleSchedule" not in PARAMS
    assert (PARAMS["AssembleHour"]["Default"], PARAMS["AssembleMinute"]["Default"]) == (5, 0)
    assert (PARAMS["AssembleHour"]["MaxValue"], PARAMS["AssembleMinute"]["MaxValue"]) == (23, 59)
    schedule = _props("AssembleFunction")["Events"]["Schedule"]["Properties"]
    assert schedule["ScheduleExpression"] == {"Fn::Sub": "cron(${AssembleMinute} ${AssembleHour} * * ? *)"}
    assert schedule["ScheduleExpressionTimezone"] == {"Ref": "TimeZone"}
    assert ENV["ASSEMBLE_AT"] == {"Fn::Sub": "${AssembleHour}:${AssembleMinute}"}


def test_brand_settings_are_stack_parameters():
    assert {k: ENV[k] for k in ("NEWSLETTER_NAME", "CONTACT_ADDRESS", "SIGNUP_URL")} == {
        "NEWSLETTER_NAME": {"Ref": "NewsletterName"},
        "CONTACT_ADDRESS": {"Ref": "ContactAddress"},
        "SIGNUP_URL": {"Ref": "SignupUrl"},
    }
    assert PARAMS["NewsletterName"]["Default"] == "Morning Digest"
    assert PARAMS["SignupUrl"]["Default"] == ""
    assert re.fullmatch(PARAMS["SignupUrl"]["AllowedPattern"], "")
    address = PARAMS["ContactAddress"]["AllowedPattern"]
    assert re.fullmatch(address, "editors@news.example.org")
    assert not re.fullmatch(address, "Editors <editors@news.example.org>")


# -- 6. what a deploy must ask for; the local stack's own values --------------------------------


def test_a_deploy_must_be_told_the_sender_and_the_contact_address():
    required = {name for name, spec in PARAMS.items() if "Default" not in spec}
    assert required == {"Sender", "SenderDomain", "ContactAddress"}
    for name in required:
        assert re.fullmatch(PARAMS[name]["AllowedPattern"], LOCAL_PARAMETERS[name]), name
    with open(REPO_ROOT / "samconfig.toml", "rb") as handle:
        config = tomllib.load(handle)
    for env in config.values():
        if not isinstance(env, dict):
            continue
        overrides = env.get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
        assert not re.search(r"\b(Sender|SenderDomain|ContactAddress)=", overrides), "example identities deploy"


def test_the_local_stack_resolves_every_variable_of_the_functions():
    stack = LocalStack()
    values = stack.parameters()
    assert set(values) == set(PARAMS)
    assert values["Sender"] == LOCAL_PARAMETERS["Sender"]
    stack.refs = {
        **values,
        "AWS::StackName": "local",
        "AWS::Region": "us-east-1",
        "AWS::AccountId": "1",
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }
    env = stack.resolve(ENV)
    assert env["ASSEMBLE_AT"] == "5:0" and env["CONTACT_ADDRESS"] == "editors@news.example.org"
    assert env["SENDING_SWITCH_PARAMETER"] == "/local/sending-switch"
    unresolved = {k: v for k, v in env.items() if not isinstance(v, str) or "${" in v}
    assert unresolved == {}


def test_a_parameter_without_a_default_or_local_value_is_a_clear_error(tmp_path):
    text = (REPO_ROOT / "template.yaml").read_text("utf-8")
    path = tmp_path / "template.yaml"
    path.write_text(text.replace("  NewsletterName:\n", "  BrandNew:\n    Type: String\n\n  NewsletterName:\n", 1))
    with pytest.raises(ValueError, match="BrandNew has no default"):
        LocalStack(path).parameters()


# -- 1. the send function's concurrency ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("", True), ("0", True), ("2", True), ("10", True), ("1", False), ("-2", False), ("02", False)],
)
def test_the_send_reservation_is_none_or_at_least_the_pollers_concurrency(value, accepted):
    assert bool(re.fullmatch(PARAMS["SendReservedConcurrency"]["AllowedPattern"], value)) is accepted


def test_the_default_reserves_no_concurrency_so_it_deploys_on_a_new_account():
    send = _props("SendFunction")
    assert send["ReservedConcurrentExecutions"] == {
        "Fn::If": ["ReservesSendConcurrency", {"Ref": "SendReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    stack = LocalStack()
    stack.refs = stack.parameters()
    assert stack.condition("ReservesSendConcurrency") is False
    for value, reserves in (("", False), ("0", False), ("2", True)):
        stack.refs["SendReservedConcurrency"] = value
        assert stack.condition("ReservesSendConcurrency") is reserves
    poller = send["Events"]["SendQueueMessages"]["Properties"]["ScalingConfig"]["MaximumConcurrency"]
    assert int(send["Environment"]["Variables"]["SENDER_CONCURRENCY"]) == poller == 2


# -- 3. the sending switch survives deploys -----------------------------------------------------


def test_no_deploy_can_write_the_sending_switch(translated):
    assert ENV["SENDING_SWITCH_PARAMETER"] == {"Fn::Sub": SWITCH_NAME}
    kinds = {r["Type"] for r in translated.values()}
    assert "AWS::SSM::Parameter" not in kinds
    assert not any(k.startswith("Custom::") or k == "AWS::CloudFormation::CustomResource" for k in kinds)
    arn = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AWS::StackName}/sending-switch"
    for function, actions in (
        ("SendFunction", {"ssm:GetParameter"}),
        ("GuardFunction", {"ssm:GetParameter", "ssm:PutParameter"}),
    ):
        ssm = [s for s in _statements(function) if "ssm:" in str(s["Action"])]
        assert [s["Resource"] for s in ssm] == [{"Fn::Sub": arn}], function
        assert set(ssm[0]["Action"] if isinstance(ssm[0]["Action"], list) else [ssm[0]["Action"]]) == actions
    assert T["Outputs"]["SendingSwitchParameterName"]["Value"] == {"Fn::Sub": SWITCH_NAME}


# -- 2. CloudFront invalidation -----------------------------------------------------------------


def test_every_function_that_publishes_may_invalidate_the_site():
    assert ENV["DISTRIBUTION_ID"] == {"Ref": "SiteDistribution"}
    # dispatch publishes the edition; assemble, editor and ingest (withdrawals) publish corrections.
    for function in ("DispatchFunction", "AssembleFunction", "EditorFunction", "IngestFunction"):
        grants = [s for s in _statements(function) if s["Action"] == "cloudfront:CreateInvalidation"]
        assert grants and "SiteDistribution" in _refs(grants[0]["Resource"]), function


# -- 4. dead letters ----------------------------------------------------------------------------


def _alarmed_queues() -> set[str]:
    return {
        name
        for a in RES.values()
        if a["Type"] == "AWS::CloudWatch::Alarm"
        and a["Properties"].get("Namespace") == "AWS/SQS"
        and a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and a["Properties"]["Threshold"] == 0
        and a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        for name in _refs(a["Properties"]["Dimensions"])
    }


@pytest.mark.parametrize(("function", "topic"), sorted(SNS_FUNCTIONS.items()))
def test_an_sns_event_a_function_cannot_handle_lands_in_its_own_alarmed_queue(function, topic, translated):
    queue = function.replace("Function", "DeadLetterQueue")
    config = _props(function)["EventInvokeConfig"]
    assert config["DestinationConfig"]["OnFailure"] == {"Type": "SQS", "Destination": {"Fn::GetAtt": [queue, "Arn"]}}
    event = next(iter(_props(function)["Events"].values()))["Properties"]
    assert event["Topic"] == {"Ref": topic}
    assert event["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [queue, "Arn"]}}
    assert queue in _alarmed_queues()
    # Lambda writes the failed event with the function's role; SNS needs the queue's policy.
    role = translated[f"{function}Role"]["Properties"]["Policies"]
    assert {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": {"Fn::GetAtt": [queue, "Arn"]}} in [
        s for p in role for s in p["PolicyDocument"]["Statement"]
    ]
    policy = next(
        r["Properties"]
        for r in RES.values()
        if r["Type"] == "AWS::SQS::QueuePolicy" and {"Ref": queue} in r["Properties"]["Queues"]
    )
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    assert {"Fn::GetAtt": [queue, "Arn"]} in statement["Resource"]
    assert {"Ref": topic} in statement["Condition"]["ArnEquals"]["aws:SourceArn"]


def test_every_schedule_retries_and_keeps_what_it_could_not_deliver(translated):
    schedules = {k: v for k, v in translated.items() if v["Type"] == "AWS::Scheduler::Schedule"}
    assert len(schedules) == 6
    for name, schedule in schedules.items():
        target = schedule["Properties"]["Target"]
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}}, name
        retry = target["RetryPolicy"]
        assert 60 <= retry["MaximumEventAgeInSeconds"] <= 86400 and 0 < retry["MaximumRetryAttempts"] <= 185
        role = translated[target["RoleArn"]["Fn::GetAtt"][0]]["Properties"]["Policies"]
        assert {
            "Action": "sqs:SendMessage",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]},
        } in [s for p in role for s in p["PolicyDocument"]["Statement"]], name
    assert "ScheduleDeadLetterQueue" in _alarmed_queues()


# -- 5. bucket lifecycle ------------------------------------------------------------------------


def test_old_versions_polly_output_and_abandoned_uploads_expire():
    rules = {r["Id"]: r for r in _props("ArchiveBucket")["LifecycleConfiguration"]["Rules"]}
    assert all(r["Status"] == "Enabled" for r in rules.values())
    everything = [r for r in rules.values() if "Prefix" not in r]
    assert everything and everything[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 30
    assert everything[0]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] <= 7
    polly = [r for r in rules.values() if r.get("Prefix") == "polly/"]
    assert polly and polly[0]["ExpirationInDays"] <= 30


def test_everything_polly_and_the_audio_function_leave_behind_is_under_the_expiring_prefix():
    from digest.adapters.polly import PollyNarrator
    from digest.services import audio

    started: list[str] = []

    class Polly:
        def describe_voices(self, **_: Any) -> dict[str, Any]:
            return {"Voices": [{"Id": "Joanna"}]}

        def start_speech_synthesis_task(self, **request: Any) -> dict[str, Any]:
            started.append(request["OutputS3KeyPrefix"])
            return {"SynthesisTask": {"TaskId": "t"}}

    PollyNarrator(Polly(), "bucket", "Joanna", "neural").narrate("<speak>Hi</speak>", "site/2026-11-28/edition.mp3")
    assert len(started) == 2
    assert all(p.startswith("polly/") for p in started + [audio._pending_mp3("2026-11-28")])


# -- 7. one runtime -----------------------------------------------------------------------------


def test_every_function_and_layer_runs_on_the_runtime_parameter():
    assert T["Globals"]["Function"]["Runtime"] == {"Ref": "Runtime"}
    assert T["Globals"]["Function"]["Architectures"] == [{"Ref": "Architecture"}]
    for name, function in FUNCTIONS.items():
        assert "Runtime" not in function["Properties"] and "Architectures" not in function["Properties"], name
    layers = {k: v for k, v in RES.items() if v["Type"] == "AWS::Serverless::LayerVersion"}
    assert layers
    for name, layer in layers.items():
        assert layer["Properties"]["CompatibleRuntimes"] == [{"Ref": "Runtime"}], name
        assert layer["Properties"]["CompatibleArchitectures"] == [{"Ref": "Architecture"}], name
    makefile = (REPO_ROOT / "Makefile").read_text("utf-8")
    default = re.search(r"^LAMBDA_PYTHON \?= (\S+)$", makefile, re.M).group(1)
    assert PARAMS["Runtime"]["Default"] == f"python{default}", "make build and the deploy must agree"
    assert PARAMS["Runtime"]["Default"] in PARAMS["Runtime"]["AllowedValues"]


def test_the_desk_signs_in_with_the_editors_pool_on_the_same_editor_routes():
    pool = _props("EditorUserPool")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True  # no self sign-up
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    client = _props("DeskClient")
    assert client["GenerateSecret"] is False and client["UserPoolId"] == {"Ref": "EditorUserPool"}
    assert {_props(g)["GroupName"] for g in ("EditorsGroup", "AdminsGroup")} == {"editors", "admins"}
    api = _props("EditorApi")["Auth"]
    assert api["DefaultAuthorizer"] == "AWS_IAM"  # the CLI's routes stay IAM-signed
    jwt = api["Authorizers"]["DeskSignIn"]["JwtConfiguration"]
    assert "${EditorUserPool}" in jwt["issuer"]["Fn::Sub"] and jwt["audience"] == [{"Ref": "DeskClient"}]
    events = _props("EditorFunction")["Events"]
    desk = [e["Properties"] for e in events.values() if e["Properties"].get("Auth", {}).get("Authorizer")]
    assert desk == [
        {"ApiId": {"Ref": "EditorApi"}, "Path": "/desk/{proxy+}", "Method": "ANY", "Auth": {"Authorizer": "DeskSignIn"}}
    ]
    origins = _props("EditorApi")["CorsConfiguration"]["AllowOrigins"]
    assert {"Fn::Sub": "https://${SiteDistribution.DomainName}"} in origins and "*" not in origins


def test_only_editions_go_through_the_configuration_set_that_may_track_reads():
    tracked = _props("EmailEventDestination")["EventDestination"]["MatchingEventTypes"]
    assert tracked["Fn::If"][0] == "TracksReads" and {"open", "click"} <= set(tracked["Fn::If"][1])
    never = _props("TransactionalEventDestination")
    assert never["ConfigurationSetName"] == {"Ref": "TransactionalConfigurationSet"}
    assert set(never["EventDestination"]["MatchingEventTypes"]) == set(tracked["Fn::If"][2])  # bounces still suppress
    assert ENV["SES_TRANSACTIONAL_CONFIGURATION_SET"] == {"Ref": "TransactionalConfigurationSet"}

    def sets(function: str) -> set[str]:
        ses = [s for s in _statements(function) if "ses:SendRawEmail" in s["Action"]]
        return {r for s in ses for r in _refs(s["Resource"])} & {
            "EmailConfigurationSet",
            "TransactionalConfigurationSet",
        }

    senders = {name: sets(name) for name in FUNCTIONS if sets(name)}
    assert senders == {
        "SendFunction": {"EmailConfigurationSet"},  # the editions
        "EditorFunction": {"EmailConfigurationSet"},  # test copies: exactly what readers get
        "PublicFunction": {"TransactionalConfigurationSet"},  # the welcome
        "ConfirmFunction": {"TransactionalConfigurationSet"},  # the confirmation
        "TrialsFunction": {"TransactionalConfigurationSet"},  # the trial reminder
    }
