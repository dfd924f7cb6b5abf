"""SES v2 mailer: raw MIME, configuration set, message tags.

SES errors become our error types, by what they say about the message:

* ``MailThrottled``: SES did not accept it and asks us to slow down (retry this recipient).
* ``MailPaused``: SES is not taking any mail from us right now (SES v2 ``SendingPausedException``:
  sending is paused for the account or the configuration set; ``AccountSuspendedException``;
  SES v1 names of the same conditions), or the endpoint could not be reached, so the request
  never left this process. Nothing was accepted: retry the whole batch later.
* ``MailRejected``: this message will never be accepted (``MessageRejected`` and the like).
* ``MailError``: anything else, including a read timeout or a connection dropped mid-request.
  Whether SES accepted the message is unknown.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

from digest.errors import MailError, MailPaused, MailRejected, MailThrottled

_THROTTLED = {"TooManyRequestsException", "Throttling", "ThrottlingException", "LimitExceededException"}
_PAUSED = {
    "SendingPausedException",  # SES v2: the account's (or configuration set's) sending is paused
    "AccountSuspendedException",  # SES v2: restricted until AWS lifts it; not the recipient's fault
    "AccountSendingPausedException", "ConfigurationSetSendingPausedException",  # SES v1 names
}
_REJECTED = {"MessageRejected", "MailFromDomainNotVerifiedException", "BadRequestException", "NotFoundException"}
_TAG_VALUE = re.compile(r"[^A-Za-z0-9_-]")


class SesMailer:
    def __init__(self, sesv2: Any, configuration_set: str = "") -> None:
        self.ses, self.configuration_set = sesv2, configuration_set

    def send_raw(self, raw: bytes, recipient: str, tags: dict[str, str]) -> str:
        """Send one raw message; returns SES's message id or raises one of the errors above."""
        request: dict[str, Any] = {
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": raw}},
            "EmailTags": [{"Name": k, "Value": _TAG_VALUE.sub("_", v)} for k, v in tags.items()],
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            return self.ses.send_email(**request)["MessageId"]
        except (EndpointConnectionError, ConnectTimeoutError) as exc:
            # No connection was made (after botocore's own retries): the request was never sent.
            # A read timeout or a dropped connection is different: SES may have accepted it.
            raise MailPaused(f"could not reach SES: {type(exc).__name__}") from exc
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in _PAUSED:
                raise MailPaused(code) from exc
            if code in _THROTTLED:
                raise MailThrottled(code) from exc
            if code in _REJECTED:
                raise MailRejected(code) from exc
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500) < 500:
                # A 4xx reply (AccessDenied, a missing configuration set...) means SES did not take
                # the message: retry later rather than leave an "unknown" claim nobody re-sends.
                raise MailPaused(code) from exc
            raise MailError(code) from exc
        except BotoCoreError as exc:  # a read timeout, a dropped connection: the outcome is unknown
            raise MailError(type(exc).__name__) from exc

    def max_send_rate(self) -> float:
        """The account's maximum send rate (emails per second), from SES v2 ``GetAccount``."""
        try:
            return float(self.ses.get_account()["SendQuota"]["MaxSendRate"])
        except (ClientError, BotoCoreError, KeyError) as exc:
            raise MailError("cannot read the account's SES send quota") from exc
