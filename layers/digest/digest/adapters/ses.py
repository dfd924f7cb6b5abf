"""SES v2 mailer: raw MIME, configuration set, message tags."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from digest.errors import MailError, MailRejected, MailThrottled

_THROTTLED = {"TooManyRequestsException", "Throttling", "ThrottlingException", "LimitExceededException"}
_REJECTED = {"MessageRejected", "MailFromDomainNotVerifiedException", "AccountSuspendedException",
             "SendingPausedException", "BadRequestException", "NotFoundException"}
_TAG_VALUE = re.compile(r"[^A-Za-z0-9_-]")


class SesMailer:
    def __init__(self, sesv2: Any, configuration_set: str = "") -> None:
        self.ses, self.configuration_set = sesv2, configuration_set

    def send_raw(self, raw: bytes, recipient: str, tags: dict[str, str]) -> str:
        request: dict[str, Any] = {
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": raw}},
            "EmailTags": [{"Name": k, "Value": _TAG_VALUE.sub("_", v)} for k, v in tags.items()],
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            return self.ses.send_email(**request)["MessageId"]
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in _THROTTLED:
                raise MailThrottled(code) from exc
            if code in _REJECTED:
                raise MailRejected(code) from exc
            raise MailError(code) from exc
