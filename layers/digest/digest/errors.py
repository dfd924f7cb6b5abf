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


class MailRejected(MailError):
    """SES rejected the message for good (bad address, unverified sender, suspended account)."""


class NarrationError(DigestError):
    """Audio could not be produced."""
