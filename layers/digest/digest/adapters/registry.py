"""Every adapter, built once from the settings on first use (boto3 clients included).

The composition root (:mod:`digest.bootstrap`) adds the services on top; nothing here decides
anything about the domain.
"""

from __future__ import annotations

import time
from functools import cached_property
from typing import Any

from digest.adapters.registry_reader import ReaderAdapters
from digest.config import Settings, brand_of
from digest.errors import ConfigError
from digest.ports import Clock


class Adapters(ReaderAdapters):
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        if clock is None:
            from digest.adapters.clock import SystemClock

            clock = SystemClock()
        self.settings, self.clock = settings, clock
        self.brand = brand_of(settings)

    @cached_property
    def mailing(self) -> Any:
        """The sender of every email and where its links lead."""
        from digest.core.mailing import Mailing

        return Mailing(self.settings.sender, self.settings.api_base_url, self.signing_secret)

    @cached_property
    def site(self) -> Any:
        """Where the reader's pages are: the public site and the public API."""
        from digest.core.site import SiteLinks

        return SiteLinks(self.settings.public_base_url, self.settings.api_base_url)

    @property
    def summarizer(self) -> Any:
        """Extractive summaries with the configured limits, or Bedrock's behind the fact guard when
        BEDROCK_MODEL_ID is set (a new one per build: it counts that build's model use)."""
        from digest.adapters.bedrock import generative_summarizer
        from digest.core.summarizer import ExtractiveSummarizer

        s = self.settings
        extractive = ExtractiveSummarizer(s.summary_max_words, s.summary_min_words, s.summary_max_paragraphs)
        return generative_summarizer(s, extractive, max_words=s.summary_max_words, min_words=s.summary_min_words)

    @property
    def parse(self) -> Any:
        """The feed parser ingest uses: RSS, Atom, JSON Feed, IPTC ninjs and NewsML-G2."""
        from digest.core.wire import parse_wire

        return parse_wire

    def client(self, service: str, attempts: int = 4) -> Any:
        from digest.adapters.aws import client

        return client(service, self.settings.region, self.settings.endpoint_url, attempts)

    def _model(self, model: str | type, table: str) -> Any:
        """A pynamodb model (a class, or its name in dynamo_models) bound to ``table``."""
        from digest.adapters import dynamo_models

        kind = getattr(dynamo_models, model) if isinstance(model, str) else model
        return dynamo_models.bind(kind, table, self.settings.region, self.settings.endpoint_url)

    @cached_property
    def stories(self) -> Any:
        from digest.adapters.dynamo_stories import DynamoStories

        return DynamoStories(self._model("StoryItem", self.settings.stories_table), self.clock)

    @cached_property
    def feed_state(self) -> Any:
        from digest.adapters.dynamo_stories import DynamoFeedState

        return DynamoFeedState(self._model("FeedStateItem", self.settings.feed_state_table))

    @cached_property
    def editions(self) -> Any:
        from digest.adapters.dynamo_editions import DynamoEditions

        return DynamoEditions(self._model("EditionItem", self.settings.editions_table))

    @cached_property
    def audit(self) -> Any:
        from digest.adapters.dynamo_editions import DynamoAudit

        return DynamoAudit(self._model("AuditItem", self.settings.audit_table))

    @cached_property
    def action_store(self) -> Any:
        from digest.adapters.dynamo_actions import DynamoActions

        return DynamoActions(self._model("ActionItem", self.settings.audit_table))

    @cached_property
    def subscribers(self) -> Any:
        from digest.adapters.dynamo_delivery import DynamoSubscribers

        return DynamoSubscribers(self._model("SubscriberItem", self.settings.subscribers_table), self.clock)

    @cached_property
    def ledger(self) -> Any:
        from digest.adapters.dynamo_delivery import DynamoLedger

        return DynamoLedger(self._model("LedgerItem", self.settings.ledger_table), self.clock)

    @cached_property
    def delivery_groups(self) -> Any:
        """Each (time zone, hour) group's progress through an edition, kept in the ledger table."""
        from digest.adapters.dynamo_groups import DynamoGroups, GroupItem

        return DynamoGroups(self._model(GroupItem, self.settings.ledger_table))

    @cached_property
    def read_counts(self) -> Any:
        """Opens and clicks per edition and story (never per reader), kept in the ledger table."""
        from digest.adapters.dynamo_reads import DynamoReads, ReadItem

        return DynamoReads(self._model(ReadItem, self.settings.ledger_table))

    @cached_property
    def blobs(self) -> Any:
        from digest.adapters.s3 import S3Blobs
        from digest.core.caching import cache_control
        from digest.core.schedule import edition_day

        def header(key: str) -> str | None:
            return cache_control(key, edition_day(self.clock.now(), self.settings.edition_timezone).isoformat())

        return S3Blobs(self.client("s3"), self.settings.archive_bucket, cache_control=header)

    @cached_property
    def site_cache(self) -> Any:
        """The site's CloudFront distribution (``DISTRIBUTION_ID``), or nothing to invalidate."""
        from digest.adapters.cloudfront import CloudFrontSiteCache, NoSiteCache

        if not self.settings.distribution_id:
            return NoSiteCache()
        return CloudFrontSiteCache(self.client("cloudfront"), self.settings.distribution_id)

    @cached_property
    def queue(self) -> Any:
        from digest.adapters.sqs import SqsQueue

        return SqsQueue(self.client("sqs"), self.settings.send_queue_url)

    @property
    def send_parking(self) -> Any:
        """Where the sender parks work that must wait: the send queue itself, with a delay."""
        return self.queue

    @cached_property
    def mailer(self) -> Any:
        """The editions' mailer, through the configuration set that tracks reads when the stack does."""
        return self._mailer(self.settings.ses_configuration_set)

    @cached_property
    def transactional_mailer(self) -> Any:
        """Confirmation, welcome and reminder emails, through the configuration set that never tracks."""
        return self._mailer(self.settings.ses_transactional_configuration_set)

    def _mailer(self, configuration_set: str) -> Any:
        # One attempt: SES sends have no idempotency token, so botocore must not retry a send that
        # may have been accepted; throttling and pauses are retried by our own code.
        from email.utils import parseaddr

        from digest.adapters.ses import SesMailer

        sender = parseaddr(self.settings.sender)[1]
        return SesMailer(self.client("sesv2", attempts=1), configuration_set, sender)

    @cached_property
    def fetcher(self) -> Any:
        from digest.adapters.http_fetch import HttpFetcher

        return HttpFetcher(allow_loopback=self.settings.allow_loopback_fetch)

    @cached_property
    def narrator(self) -> Any:
        s = self.settings
        if s.narrator == "espeak":
            from digest.adapters.espeak import EspeakNarrator

            return EspeakNarrator(self.blobs)
        from digest.adapters.polly import PollyNarrator

        return PollyNarrator(self.client("polly"), s.archive_bucket, s.polly_voice, s.polly_engine, s.audio_topic_arn)

    @property
    def tagger(self) -> Any:
        from digest.adapters.id3 import Tagger

        return Tagger()

    @cached_property
    def env(self) -> Any:
        from digest.core.render import environment

        return environment(self.settings.template_dir)

    @cached_property
    def signing_secret(self) -> str:
        if self.settings.signing_secret:
            return self.settings.signing_secret
        if not self.settings.signing_secret_arn:
            raise ConfigError("set SIGNING_SECRET_ARN (or SIGNING_SECRET) to sign unsubscribe links")
        from digest.adapters.secrets import read_secret

        return read_secret(self.client("secretsmanager"), self.settings.signing_secret_arn)

    @cached_property
    def sending_switch(self) -> Any:
        from digest.adapters.ssm import SsmSwitch

        if not self.settings.sending_switch_parameter:
            raise ConfigError("SENDING_SWITCH_PARAMETER is not set")
        return SsmSwitch(self.client("ssm"), self.settings.sending_switch_parameter)

    @cached_property
    def pacer(self) -> Any:
        """The senders' pace: SES's rate (configured, else the account's) shared among them."""
        from digest.core.pacing import Pacer, sender_rate

        s = self.settings
        rate = sender_rate(s.ses_max_send_rate, lambda: self.mailer.max_send_rate(), s.sender_concurrency)
        return Pacer(rate, max(1, int(rate)), time.monotonic, time.sleep)

    @cached_property
    def action_starter(self) -> Any:
        """Starts a long editor action: this function, invoked asynchronously (locally: a thread)."""
        from digest.adapters.lambda_invoke import LambdaStarter

        if not self.settings.function_name:
            raise ConfigError("AWS_LAMBDA_FUNCTION_NAME is not set: cannot start an editor action")
        return LambdaStarter(self.client("lambda"), self.settings.function_name)
