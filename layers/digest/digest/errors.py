"""Our exception types. Adapters raise these ``from`` the AWS error they wrap.

Core code returns problems as data; exceptions are for bugs and infrastructure failures.
"""


class DigestError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(DigestError):
    """A setting is missing or malformed."""


class FutureEdition(DigestError):
    """An edition asked for a date after the newsroom's current edition date: its news is not in yet."""


class StorageError(DigestError):
    """A store (DynamoDB, S3, SQS) failed in a way the caller cannot fix."""


class MailError(DigestError):
    """SES refused or failed a send."""


class MailThrottled(MailError):
    """SES said "slow down": the message was not accepted and may be retried."""


class MailPaused(MailThrottled):
    """SES is not taking mail from us at all right now: sending is paused for the account or the
    configuration set, or its endpoint cannot be reached. Nothing was accepted; the whole batch
    is retried later (and reaches the dead-letter queue if the pause outlasts the redrive policy)."""


class MailAccountBlocked(MailPaused):
    """SES refuses every message of this account or configuration until someone acts: a missing or
    deleted configuration set, an unverified MAIL FROM domain, the daily quota reached, sending
    paused or suspended by SES. Not the recipient's fault: the send is paused with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MailRejected(MailError):
    """SES rejected this message for good (its content)."""


class NarrationError(DigestError):
    """Audio could not be produced."""


class NarrationRefused(NarrationError):
    """The narration request cannot succeed as it stands (too long for one task, a voice the engine
    does not have): no task was started, and retrying the same request does not help."""


class NarrationUnknown(NarrationError):
    """The request to start a task failed in a way that does not say whether it started (a read
    timeout, a dropped connection): do not start it again blindly, a second task would be billed."""


class InvokeError(DigestError):
    """An asynchronous action could not be handed to its worker (nothing was started)."""
