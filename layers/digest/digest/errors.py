"""Our exception types. Adapters raise these ``from`` the AWS error they wrap.

Core code returns problems as data; exceptions are for bugs and infrastructure failures.
"""


class DigestError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(DigestError):
    """A setting is missing or malformed."""


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


class MailRejected(MailError):
    """SES rejected the message for good (its content, an unverified sender domain)."""


class NarrationError(DigestError):
    """Audio could not be produced."""
