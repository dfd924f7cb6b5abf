"""The reader side's adapters (sign-up requests and their limits, the admins' list exports), mixed into
:class:`digest.adapters.registry.Adapters` as ``bootstrap_reader`` is into the container."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from digest.config import Settings
from digest.errors import ConfigError


class ReaderAdapters:
    settings: Settings

    def client(self, service: str, attempts: int = 4) -> Any:
        raise NotImplementedError  # Adapters.client

    @cached_property
    def confirm_queue(self) -> Any:
        """The queue of confirmation requests the sign-up form fills (CONFIRM_QUEUE_URL)."""
        from digest.adapters.sqs import SqsQueue

        if not self.settings.confirm_queue_url:
            raise ConfigError("CONFIRM_QUEUE_URL is not set: sign-ups cannot be queued")
        return SqsQueue(self.client("sqs"), self.settings.confirm_queue_url)

    @cached_property
    def signup_counters(self) -> Any:
        """Sign-up request counters (SIGNUP_LIMITS_TABLE), one atomic UpdateItem per use."""
        from digest.adapters.dynamo_signup_limits import DynamoSignupCounters

        if not self.settings.signup_limits_table:
            raise ConfigError("SIGNUP_LIMITS_TABLE is not set: sign-ups cannot be counted")
        return DynamoSignupCounters(self.client("dynamodb"), self.settings.signup_limits_table)

    @cached_property
    def downloads(self) -> Any:
        """Private files offered by a presigned link (the admins' exports, ARCHIVE_BUCKET's exports/)."""
        from digest.adapters.s3 import S3Downloads

        return S3Downloads(self.client("s3"), self.settings.archive_bucket)

    @property
    def signup_limits(self) -> Any:
        from digest.core.signup_limits import SignupLimits

        s = self.settings
        return SignupLimits(s.signup_limit_mailbox, s.signup_limit_client, s.signup_limit_domain, s.signup_daily_cap)
