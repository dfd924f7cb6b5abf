"""The local AWS stand-in: moto in server mode, with the resources ``template.yaml`` defines.

The same template that deploys to AWS is read here; every table, bucket, queue, topic, secret
and SES resource in it is created on the local endpoint, and the functions' environment
variables are resolved from the template's ``Globals``. Local and cloud cannot drift.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import urllib.request
from pathlib import Path
from typing import Any

from digest_tools.local.template import load_template

REGION = "us-east-1"
ACCOUNT = "123456789012"
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
_DROP_TABLE_PROPS = ("PointInTimeRecoverySpecification", "SSESpecification", "TimeToLiveSpecification", "Tags")
_POOL_PROPS = ("UsernameAttributes", "AutoVerifiedAttributes", "AdminCreateUserConfig", "Policies", "MfaConfiguration")
# Values for the template's parameters that have no default (a deploy asks for them).
LOCAL_PARAMETERS = {
    "Sender": "Morning Digest <digest@news.example.org>",
    "SenderDomain": "news.example.org",
    "ContactAddress": "editors@news.example.org",
}


class LocalStack:
    """A moto server on 127.0.0.1 and the template's resources in it."""

    def __init__(self, template_path: Path | None = None) -> None:
        self.template = load_template(template_path)
        self.endpoint = ""
        self._server: Any = None
        self.refs: dict[str, str] = {}

    def start(self) -> str:
        """Start the server, point this process's AWS SDKs at it; returns the endpoint URL."""
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        os.environ.update({"AWS_ENDPOINT_URL": self.endpoint, "AWS_DEFAULT_REGION": REGION, **DUMMY_CREDENTIALS})
        return self.endpoint

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def reset(self) -> None:
        """Forget every resource and item (moto's reset API)."""
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")).close()

    def sent_emails(self) -> list[dict[str, Any]]:
        """Messages SES accepted, as moto records them (``raw_data``, ``destinations``...)."""
        with urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json") as reply:
            data = json.load(reply)
        return list(data.get("ses", {}).get("RawMessage", [])) + list(data.get("sesv2", {}).get("RawMessage", []))

    def create_resources(self) -> dict[str, str]:
        """Create every supported resource of the template; returns the functions' environment."""
        import boto3

        def client(name: str) -> Any:
            return boto3.client(name, region_name=REGION, endpoint_url=self.endpoint)

        params = self.parameters()
        self.refs = {
            **params,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "morning-digest-local",
        }
        resources = self.template["Resources"]
        # Dead-letter queues first, so redrive policies can name them.
        order = sorted(resources, key=lambda k: "RedrivePolicy" in resources[k].get("Properties", {}))
        for logical_id in order:
            kind = resources[logical_id]["Type"]
            props = self.resolve(resources[logical_id].get("Properties", {}))
            name = f"digest-local-{logical_id}"
            self.refs[logical_id] = logical_id.lower()
            if kind == "AWS::DynamoDB::Table":
                table = {k: v for k, v in props.items() if k not in _DROP_TABLE_PROPS}
                client("dynamodb").create_table(TableName=name, **table)
                self.refs[logical_id] = name
            elif kind == "AWS::S3::Bucket":
                client("s3").create_bucket(Bucket=name.lower())
                self.refs[logical_id] = name.lower()
            elif kind == "AWS::SQS::Queue":
                attributes = {
                    k: json.dumps(v) if isinstance(v, dict) else str(v)
                    for k, v in props.items()
                    if k in ("VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy")
                }
                url = client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
                self.refs.update(
                    {
                        logical_id: url,
                        f"{logical_id}.QueueName": name,
                        f"{logical_id}.Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
                    }
                )
            elif kind == "AWS::SNS::Topic":
                self.refs[logical_id] = client("sns").create_topic(Name=name)["TopicArn"]
            elif kind == "AWS::SecretsManager::Secret":
                reply = client("secretsmanager").create_secret(Name=name, SecretString=secrets.token_urlsafe(48))
                self.refs[logical_id] = reply["ARN"]
            elif kind == "AWS::SES::ConfigurationSet":
                set_name = props.get("Name") or name
                client("sesv2").create_configuration_set(ConfigurationSetName=set_name)
                self.refs[logical_id] = set_name
            elif kind == "AWS::SSM::Parameter":
                client("ssm").put_parameter(Name=name, Value=props["Value"], Type=props.get("Type", "String"))
                self.refs[logical_id] = name
            elif kind == "AWS::CloudFront::Distribution":
                self.refs[logical_id] = self._distribution(client("cloudfront"), name, props["DistributionConfig"])
            elif kind == "AWS::Cognito::UserPool":
                pool = {k: v for k, v in props.items() if k in _POOL_PROPS}
                self.refs[logical_id] = client("cognito-idp").create_user_pool(PoolName=name, **pool)["UserPool"]["Id"]
            elif kind == "AWS::Cognito::UserPoolClient":
                reply = client("cognito-idp").create_user_pool_client(
                    UserPoolId=props["UserPoolId"], ClientName=props["ClientName"],
                    GenerateSecret=props.get("GenerateSecret", False), ExplicitAuthFlows=props["ExplicitAuthFlows"],
                )  # fmt: skip
                self.refs[logical_id] = reply["UserPoolClient"]["ClientId"]
            elif kind == "AWS::Cognito::UserPoolGroup":
                client("cognito-idp").create_group(**{k: props[k] for k in ("GroupName", "UserPoolId", "Description")})
                self.refs[logical_id] = props["GroupName"]
            elif kind == "AWS::SES::EmailIdentity":
                client("sesv2").create_email_identity(EmailIdentity=props["EmailIdentity"])
                client("ses").verify_domain_identity(Domain=props["EmailIdentity"])
        variables = self.template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
        env = {k: str(v) for k, v in self.resolve(variables).items()}
        env["SES_MAX_SEND_RATE"] = "1000"  # the stand-in has no SES quota (and no GetAccount to ask)
        return env

    def _distribution(self, cloudfront: Any, name: str, config: dict[str, Any]) -> str:
        """A distribution with the template's origins (so publishing can invalidate on it); its id."""
        origins = [
            {
                "Id": o["Id"],
                "DomainName": f"{self.refs.get('ArchiveBucket', 'site')}.s3.{REGION}.amazonaws.com",
                "OriginPath": o.get("OriginPath", ""),
                "S3OriginConfig": {"OriginAccessIdentity": ""},
            }
            for o in config["Origins"]
        ]
        behavior = config["DefaultCacheBehavior"]
        reply = cloudfront.create_distribution(
            DistributionConfig={
                "CallerReference": name,
                "Comment": name,
                "Enabled": True,
                "Origins": {"Quantity": len(origins), "Items": origins},
                "DefaultCacheBehavior": {
                    k: behavior[k] for k in ("TargetOriginId", "ViewerProtocolPolicy", "CachePolicyId")
                },
            }
        )
        return reply["Distribution"]["Id"]

    def parameters(self) -> dict[str, str]:
        """Every template parameter's local value: its default, else ``LOCAL_PARAMETERS``."""
        values = {}
        for name, spec in self.template.get("Parameters", {}).items():
            if "Default" in spec:
                values[name] = str(spec["Default"])
            elif name in LOCAL_PARAMETERS:
                values[name] = LOCAL_PARAMETERS[name]
            else:
                raise ValueError(f"template parameter {name} has no default and no local value (LOCAL_PARAMETERS)")
        return values

    def resolve(self, value: Any) -> Any:
        """Evaluate the intrinsic functions this template uses against local names."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self.refs.get(value["Ref"], value["Ref"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return self.refs.get(f"{resource}.{attribute}", f"{resource}.{attribute}")
        if "Fn::Sub" in value:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(self.refs.get(m.group(1), m.group(1))), text)
        if "Fn::If" in value:
            name, if_true, if_false = value["Fn::If"]
            return self.resolve(if_true if self.condition(name) else if_false)
        if "Fn::Join" in value:
            sep, parts = value["Fn::Join"]
            return sep.join(str(p) for p in self.resolve(parts))
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v != "AWS::NoValue"}

    def condition(self, name: str) -> bool:
        """Evaluate one of the template's named conditions."""

        def truth(expr: Any) -> bool:
            if "Condition" in expr:
                return truth(self.template["Conditions"][expr["Condition"]])
            if "Fn::Equals" in expr:
                left, right = self.resolve(expr["Fn::Equals"])
                return str(left) == str(right)
            if "Fn::Not" in expr:
                return not truth(expr["Fn::Not"][0])
            if "Fn::And" in expr:
                return all(truth(e) for e in expr["Fn::And"])
            if "Fn::Or" in expr:
                return any(truth(e) for e in expr["Fn::Or"])
            raise ValueError(f"unsupported condition {expr}")

        return truth(self.template["Conditions"][name])


def drain_queue(sqs: Any, queue_url: str, handle: Any) -> int:
    """Play Lambda's SQS event source: receive, ``handle(body)``, delete on success.

    A body whose handler raises stays on the queue (and reaches the dead-letter queue after
    the redrive policy's receive count). Returns the number of messages handled.
    """
    handled = 0
    while True:
        reply = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = reply.get("Messages", [])
        if not messages:
            return handled
        for message in messages:
            handle(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            handled += 1
