"""Where the editor commands go, and how: the local stack (``digest serve``) or a deployed stack.

A deployed stack is found through CloudFormation (its ``EditorApiUrl`` output); requests are
signed with SigV4 using the caller's own AWS credentials, exactly what the API's IAM
authorization checks. Locally, the state file written by ``digest serve`` gives the URL and
the requests are signed with the local stack's credentials. Long actions answer 202 with an action;
``wait_for_action`` polls its status URL until it is done (its result) or failed (its reason).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from digest.errors import ConfigError, DigestError
from digest_tools.local.serve import STATE_FILE


class ApiError(DigestError):
    """The editor API refused a request; the message is its reason, ``status`` the HTTP status and
    ``payload`` its JSON reply (with ``suggestions`` for an unknown story)."""

    def __init__(self, message: str, status: int = 0, payload: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.payload = status, payload or {}


class UsageError(DigestError):
    """The command's arguments do not make a request (exit status 2, like argparse's own errors)."""


class ActionFailed(ApiError):
    """An asynchronous action ended without doing its work; the message is its reason."""


@dataclass
class Target:
    api: str
    region: str
    credentials: Any
    env: dict[str, str]
    endpoint: str | None = None


def resolve(stack: str | None, region: str | None = None) -> Target:
    """The local stack by default, or the deployed stack named ``stack``."""
    if stack:
        return _deployed(stack, region)
    if not STATE_FILE.exists():
        raise ConfigError("no local stack is running here: start one with `digest serve` (or pass --stack NAME)")
    state = json.loads(STATE_FILE.read_text())
    if not _alive(state.get("pid")):
        STATE_FILE.unlink(missing_ok=True)
        raise ConfigError(
            "the local stack that was running here has stopped (its state file was left behind and is now "
            "removed): start one with `digest serve` (or pass --stack NAME)"
        )
    from botocore.credentials import Credentials

    from digest_tools.local.stack import DUMMY_CREDENTIALS, REGION

    creds = Credentials(DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"], DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    return Target(state["api"], REGION, creds, state["env"], state["endpoint"])


def _alive(pid: object) -> bool:
    """Whether the `digest serve` process that wrote the state file still runs (unknown: assume so)."""
    if not isinstance(pid, int) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _deployed(stack: str, region: str | None) -> Target:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    session = boto3.session.Session(region_name=region)
    try:
        cfn = session.client("cloudformation")
        outputs = {
            o["OutputKey"]: o["OutputValue"]
            for o in cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
        }
        function = cfn.describe_stack_resource(StackName=stack, LogicalResourceId="EditorFunction")
        name = function["StackResourceDetail"]["PhysicalResourceId"]
        env = session.client("lambda").get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    except (BotoCoreError, ClientError) as exc:
        raise ConfigError(f"cannot read stack {stack}: {exc}") from exc
    credentials = session.get_credentials()
    if credentials is None:
        raise ConfigError("no AWS credentials: configure them (aws configure / AWS_PROFILE) to reach a deployed stack")
    return Target(outputs["EditorApiUrl"], session.region_name, credentials, env)


def call(target: Target, method: str, path: str, body: dict | None = None) -> Any:
    """A SigV4-signed request to the editor API; JSON replies are decoded, HTML returned as text."""
    return request(target, method, path, body)[1]


def wait_for_action(
    target: Target,
    started: dict,
    on_update: Callable[[dict], None],
    sleep: Callable[[float], None] = time.sleep,
    limit_s: float = 900.0,
) -> Any:
    """Poll a started action until it ends: its result when done, ActionFailed with the reason when not.

    ``on_update`` sees every state read (for a progress display). The server's deadline ends an
    action whose worker stopped; ``limit_s`` of waiting is only the last resort.
    """
    view, waited = started, 0.0
    while view.get("state") not in ("done", "failed"):
        on_update(view)
        pause = 0.5 if waited < 5 else 1.0
        if waited > limit_s:
            raise ApiError(
                f"gave up waiting after {waited:.0f} s; the action may still be running: "
                f"{target.api.rstrip('/')}{started['status_url']}"
            )
        sleep(pause)
        waited += pause
        view = call(target, "GET", started["status_url"])
    on_update(view)
    if view["state"] == "failed":
        verb = "was refused" if view.get("refused") else "failed"
        raise ActionFailed(f"{view['kind']} of {view['edition_date']} {verb}: {view.get('error') or 'no reason given'}")
    return view.get("result")


def download(url: str) -> str:
    """The text at a link the API handed out (a presigned URL: it needs no other credential)."""
    try:
        with urllib.request.urlopen(url, timeout=300) as reply:
            return reply.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        raise ApiError(
            f"the download link answered {exc.code}: ask for a new one (links last minutes)", exc.code
        ) from exc
    except urllib.error.URLError as exc:
        raise ApiError(f"cannot download the file: {exc.reason}") from exc


def request(target: Target, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
    """(HTTP status, decoded reply) of a SigV4-signed request; an error status raises ApiError."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    data = json.dumps(body).encode("utf-8") if body is not None else b""
    request = AWSRequest(
        method,
        target.api.rstrip("/") + path,
        data=data,
        headers={"content-type": "application/json"} if body is not None else {},
    )
    SigV4Auth(target.credentials, "execute-api", target.region).add_auth(request)
    prepared = request.prepare()
    http = urllib.request.Request(prepared.url, data=data or None, method=method, headers=dict(prepared.headers))
    try:
        with urllib.request.urlopen(http, timeout=120) as reply:
            text = reply.read().decode("utf-8")
            kind, status = reply.headers.get("content-type", ""), reply.status
    except urllib.error.HTTPError as exc:
        detail, payload = exc.read().decode("utf-8", "replace"), {}
        try:
            payload = json.loads(detail)
            detail = payload.get("error") or payload.get("message") or detail
        except (ValueError, AttributeError):
            payload = {}
        raise ApiError(f"{exc.code}: {detail}", exc.code, payload if isinstance(payload, dict) else {}) from exc
    except urllib.error.URLError as exc:
        raise ApiError(f"cannot reach {target.api}: {exc.reason}") from exc
    return status, json.loads(text) if "json" in kind else text
