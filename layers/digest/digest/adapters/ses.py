"""SES v2 mailer: raw MIME, configuration set, message tags.

SES errors become our error types by their error code (botocore's ``Error.Code``), by what they
say about the message:

* ``MailThrottled``: SES did not accept it and asks us to slow down (retry this recipient).
* ``MailAccountBlocked``: SES refuses every message of this account or configuration until
  someone acts, so the send is paused (the sending switch) with a reason for the editor:
  ``SendingPausedException`` / ``AccountSuspendedException`` (and their SES v1 names),
  ``NotFoundException`` (the configuration set does not exist), ``MailFromDomainNotVerifiedException``,
  ``BadRequestException`` (e.g. the account's default configuration set was deleted: the request is
  the same for every recipient except the address, which we check before the call, so it fails
  for everyone), and a throttle whose message is "Daily message quota exceeded". That last one is
  the single case read from the message: SES documents it only as a message of a throttling error
  ("Errors related to the sending quotas for your Amazon SES account", SES Developer Guide), with
  the same code as the per-second "Maximum sending rate exceeded".
* ``MailPaused``: the endpoint could not be reached (the request never left this process), or
  another 4xx: nothing was accepted, retry the whole batch later.
* ``MailRejected``: this message will never be accepted (``MessageRejected``).
* ``MailError``: anything else, including a read timeout or a connection dropped mid-request.
  Whether SES accepted the message is unknown.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

from digest.errors import MailAccountBlocked, MailError, MailPaused, MailRejected, MailThrottled

_THROTTLED = {"TooManyRequestsException", "Throttling", "ThrottlingException", "LimitExceededException"}
DAILY_QUOTA = "daily message quota exceeded"  # SES's documented message (lower case)
# Error code -> what the editor reads in the sending switch.
_ACCOUNT = {
    "SendingPausedException": "SES has paused sending for the account or the configuration set",
    "AccountSuspendedException": "SES has suspended the account's sending",
    "AccountSendingPausedException": "SES has paused sending for the account",  # SES v1 names
    "ConfigurationSetSendingPausedException": "SES has paused sending for the configuration set",
    "NotFoundException": "the SES configuration set does not exist",
    "ConfigurationSetDoesNotExist": "the SES configuration set does not exist",
    "MailFromDomainNotVerifiedException": "the sender's MAIL FROM domain is not verified in SES",
    "BadRequestException": "SES refuses the send request (a deleted default configuration set?)",
}
_REJECTED = {"MessageRejected"}
_TAG_VALUE = re.compile(r"[^A-Za-z0-9_-]")


def classify(exc: ClientError) -> MailError:
    """Our error for an SES ``ClientError`` (see the module docstring)."""
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    if code in _ACCOUNT:
        return MailAccountBlocked(f"{_ACCOUNT[code]} ({code}: {message[:200]})")
    if code in _THROTTLED:
        if DAILY_QUOTA in message.lower():
            return MailAccountBlocked(
                f"the SES daily sending quota is used up; resume when it frees up "
                f"(rolling 24 hours) or after a quota increase ({code}: {message[:200]})"
            )
        return MailThrottled(code)
    if code in _REJECTED:
        return MailRejected(code)
    if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500) < 500:
        # A 4xx reply (AccessDenied...) means SES did not take the message: retry later rather
        # than leave an "unknown" claim nobody re-sends.
        return MailPaused(code)
    return MailError(code)


class SesMailer:
    """Sends raw messages through SES v2. ``from_address`` (the stack's sender, bare) is passed as
    ``FromEmailAddress``: the address IAM's ``ses:FromAddress`` condition is checked against."""

    def __init__(self, sesv2: Any, configuration_set: str = "", from_address: str = "") -> None:
        self.ses, self.configuration_set, self.from_address = sesv2, configuration_set, from_address

    def send_raw(self, raw: bytes, recipient: str, tags: dict[str, str]) -> str:
        """Send one raw message; returns SES's message id or raises one of the errors above."""
        request: dict[str, Any] = {
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": raw}},
            "EmailTags": [{"Name": k, "Value": _TAG_VALUE.sub("_", v)} for k, v in tags.items()],
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        if self.from_address:
            request["FromEmailAddress"] = self.from_address
        try:
            return self.ses.send_email(**request)["MessageId"]
        except (EndpointConnectionError, ConnectTimeoutError) as exc:
            # No connection was made (after botocore's own retries): the request was never sent.
            # A read timeout or a dropped connection is different: SES may have accepted it.
            raise MailPaused(f"could not reach SES: {type(exc).__name__}") from exc
        except ClientError as exc:
            raise classify(exc) from exc
        except BotoCoreError as exc:  # a read timeout, a dropped connection: the outcome is unknown
            raise MailError(type(exc).__name__) from exc

    def max_send_rate(self) -> float:
        """The account's maximum send rate (emails per second), from SES v2 ``GetAccount``."""
        try:
            return float(self.ses.get_account()["SendQuota"]["MaxSendRate"])
        except (ClientError, BotoCoreError, KeyError) as exc:
            raise MailError("cannot read the account's SES send quota") from exc
