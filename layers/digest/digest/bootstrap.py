"""Composition root: builds adapters and services once, lazily, on first use.

Handlers call ``container()``; tests and the CLI build ``Container(settings)`` themselves.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cached_property
from importlib import resources
from typing import Any

from digest.config import Settings
from digest.core.edition import Brand
from digest.core.story import Source
from digest.errors import ConfigError


def load_sources(text: str | None = None) -> list[Source]:
    """Sources from JSON text, by default the bundled ``digest/sources.json``."""
    if text is None:
        text = resources.files("digest").joinpath("sources.json").read_text("utf-8")
    try:
        return [Source(**entry) for entry in json.loads(text)]
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"malformed source list: {exc}") from exc


class Container:
    def __init__(self, settings: Settings, clock: Any = None) -> None:
        self.settings = settings
        if clock is None:
            from digest.adapters.clock import SystemClock

            clock = SystemClock()
        self.clock = clock
        s = settings
        site = s.public_base_url
        self.brand = Brand(name=s.newsletter_name, contact_email=s.contact_address,
                           trial_url=s.signup_url or f"{site}/subscribe", student_url=f"{site}/students",
                           share_url=f"{site}/share")

    def today(self) -> date:
        """The newsroom's current edition date (today in its time zone)."""
        from digest.core.schedule import edition_day

        return edition_day(self.clock.now(), self.settings.edition_timezone)

    def assemble_options(self):
        from digest.services.assemble import AssembleOptions

        s = self.settings
        return AssembleOptions(s.public_base_url, s.max_stories, s.min_stories, s.window_hours, s.edition_timezone,
                               s.assemble_at)

    def sources(self) -> list[Source]:
        """The configured sources: ``SOURCES_FILE`` when set, else the bundled list."""
        path = self.settings.sources_file
        if not path:
            return load_sources()
        try:
            with open(path, encoding="utf-8") as handle:
                return load_sources(handle.read())
        except OSError as exc:
            raise ConfigError(f"cannot read SOURCES_FILE {path}: {exc.strerror}") from exc

    @property
    def parse(self):
        """The feed parser ingest uses: RSS, Atom, JSON Feed, IPTC ninjs and NewsML-G2."""
        from digest.core.wire import parse_wire

        return parse_wire

    def dispatch_options(self, scheduled: bool):
        """Dispatch settings; only the schedule's trigger is bound to the send window."""
        from digest.services.dispatch import DispatchOptions, SendWindow

        s = self.settings
        window = SendWindow(s.edition_timezone, s.send_at, s.send_window_minutes) if scheduled else None
        return DispatchOptions(s.send_batch_size, s.require_approval, s.audio_policy, window)

    def publish(self, record) -> object:
        """Publish an edition's web copy, the archive and the feeds."""
        from digest.services.publish import publish

        return publish(record, blobs=self.blobs, env=self.env, brand=self.brand,
                       public_base_url=self.settings.public_base_url, now=self.clock.now(), cdn=self.site_cache)

    def dispatch(self, day: str, scheduled: bool):
        from digest.services.dispatch import dispatch

        return dispatch(day, editions=self.editions, subscribers=self.subscribers, queue=self.queue, blobs=self.blobs,
                        options=self.dispatch_options(scheduled), now=self.clock.now(), publish=self.publish)

    def client(self, service: str, attempts: int = 4) -> Any:
        from digest.adapters.aws import client

        return client(service, self.settings.region, self.settings.endpoint_url, attempts)

    def _model(self, name: str, table: str) -> Any:
        from digest.adapters import dynamo_models
        from digest.adapters.dynamo_models import bind

        return bind(getattr(dynamo_models, name), table, self.settings.region, self.settings.endpoint_url)

    @cached_property
    def stories(self):
        from digest.adapters.dynamo_stories import DynamoStories

        return DynamoStories(self._model("StoryItem", self.settings.stories_table), self.clock)

    @cached_property
    def feed_state(self):
        from digest.adapters.dynamo_stories import DynamoFeedState

        return DynamoFeedState(self._model("FeedStateItem", self.settings.feed_state_table))

    @cached_property
    def editions(self):
        from digest.adapters.dynamo_editions import DynamoEditions

        return DynamoEditions(self._model("EditionItem", self.settings.editions_table))

    @cached_property
    def subscribers(self):
        from digest.adapters.dynamo_delivery import DynamoSubscribers

        return DynamoSubscribers(self._model("SubscriberItem", self.settings.subscribers_table), self.clock)

    @cached_property
    def ledger(self):
        from digest.adapters.dynamo_delivery import DynamoLedger

        return DynamoLedger(self._model("LedgerItem", self.settings.ledger_table), self.clock)

    @cached_property
    def blobs(self):
        from digest.adapters.s3 import S3Blobs
        from digest.core.caching import cache_control

        return S3Blobs(self.client("s3"), self.settings.archive_bucket,
                       cache_control=lambda key: cache_control(key, self.today().isoformat()))

    @cached_property
    def site_cache(self):
        """The site's CloudFront distribution (``DISTRIBUTION_ID``), or nothing to invalidate."""
        from digest.adapters.cloudfront import CloudFrontSiteCache, NoSiteCache

        if not self.settings.distribution_id:
            return NoSiteCache()
        return CloudFrontSiteCache(self.client("cloudfront"), self.settings.distribution_id)

    @cached_property
    def queue(self):
        from digest.adapters.sqs import SqsQueue

        return SqsQueue(self.client("sqs"), self.settings.send_queue_url)

    @cached_property
    def mailer(self):
        from digest.adapters.ses import SesMailer

        # One attempt: SES sends have no idempotency token, so botocore must not retry a send that
        # may have been accepted; throttling and pauses are retried by our own code.
        return SesMailer(self.client("sesv2", attempts=1), self.settings.ses_configuration_set)

    @cached_property
    def fetcher(self):
        from digest.adapters.http_fetch import HttpFetcher

        return HttpFetcher(allow_loopback=self.settings.allow_loopback_fetch)

    @cached_property
    def narrator(self):
        s = self.settings
        if s.narrator == "espeak":
            from digest.adapters.espeak import EspeakNarrator

            return EspeakNarrator(self.blobs)
        from digest.adapters.polly import PollyNarrator

        return PollyNarrator(self.client("polly"), s.archive_bucket, s.polly_voice, s.polly_engine, s.audio_topic_arn)

    @property
    def tagger(self):
        from digest.adapters import id3

        return id3.Tagger()

    @cached_property
    def env(self):
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
    def subscriptions(self):
        from digest.services.subscribe import PublicOptions, Subscriptions

        options = PublicOptions(self.settings.api_base_url, self.settings.sender, self.signing_secret)
        return Subscriptions(subscribers=self.subscribers, mailer=self.mailer, env=self.env, brand=self.brand,
                             clock=self.clock, options=options)

    @cached_property
    def sending_switch(self):
        from digest.adapters.ssm import SsmSwitch

        if not self.settings.sending_switch_parameter:
            raise ConfigError("SENDING_SWITCH_PARAMETER is not set")
        return SsmSwitch(self.client("ssm"), self.settings.sending_switch_parameter)

    @cached_property
    def audit(self):
        from digest.adapters.dynamo_editions import DynamoAudit

        return DynamoAudit(self._model("AuditItem", self.settings.audit_table))

    def assemble(self, day: date, note: str | None = None, by_editor: bool = False, newest: bool = False):
        """Build ``day``'s edition; only an editor's rebuild lifts a hold."""
        from digest.services.assemble import assemble

        result = assemble(day, stories=self.stories, editions=self.editions, blobs=self.blobs, env=self.env,
                          brand=self.brand, options=self.assemble_options(), clock=self.clock, note=note,
                          keep_hold=not by_editor, newest=newest)
        if result.created and result.record is not None and result.record.status == "sent":
            self.publish(result.record)  # a correction: readers of the web copy see it at once
        return result

    def withdraw(self, story_ids: list[str]) -> list[str]:
        """Take withdrawn stories out of today's and yesterday's editions."""
        from datetime import timedelta

        from digest.services.withdraw import apply_withdrawals

        today = self.today()
        days = [today.isoformat(), (today - timedelta(days=1)).isoformat()]
        return apply_withdrawals(story_ids, days, editions=self.editions,
                                 rebuild=lambda day, note: self.assemble(date.fromisoformat(day), note))

    @cached_property
    def editor(self):
        from digest.services.editor import Editor, EditorPorts

        def test_send(day: str, version: int, people) -> int:
            for person in people:
                raw = self.sender.message_for(day, version, person)  # the subscriber copy, not in the ledger
                self.mailer.send_raw(raw, person.email, {"edition": day, "kind": "test"})
            return len(people)

        ports = EditorPorts(self.editions, self.blobs, self.ledger, self.queue, self.audit, self.clock)
        return Editor(ports, rebuild=lambda day, note: self.assemble(date.fromisoformat(day), note, by_editor=True),
                      dispatch=lambda day: self.dispatch(day, scheduled=False), test_send=test_send,
                      require_approval=self.settings.require_approval)

    @cached_property
    def action_starter(self):
        """Starts a long editor action: this very function, invoked asynchronously (``digest serve``
        replaces it with a background thread through the same handler)."""
        from digest.adapters.lambda_invoke import LambdaStarter

        if not self.settings.function_name:
            raise ConfigError("AWS_LAMBDA_FUNCTION_NAME is not set: cannot start an editor action")
        return LambdaStarter(self.client("lambda"), self.settings.function_name)

    @cached_property
    def actions(self):
        from digest.adapters.dynamo_actions import DynamoActions
        from digest.services.actions import Actions

        store = DynamoActions(self._model("ActionItem", self.settings.audit_table))
        return Actions(self.editor, store, self.action_starter, self.audit, self.clock)

    @cached_property
    def feedback(self):
        from digest.services.feedback import Feedback

        return Feedback(subscribers=self.subscribers, ledger=self.ledger, clock=self.clock)

    def run_trials(self, day: date):
        from digest.services.trials import TrialOptions, run_trials

        s = self.settings
        options = TrialOptions(s.api_base_url, s.sender, self.signing_secret, self.brand.trial_url)
        return run_trials(day, subscribers=self.subscribers, mailer=self.mailer, env=self.env, brand=self.brand,
                          options=options, clock=self.clock)

    @cached_property
    def sender(self):
        from digest.services.send import Sender, SendOptions

        options = SendOptions(self.settings.sender, self.settings.api_base_url, self.signing_secret)
        return Sender(editions=self.editions, blobs=self.blobs, subscribers=self.subscribers,
                      ledger=self.ledger, mailer=self.mailer, clock=self.clock, options=options, pacer=self.pacer,
                      switch=self.sending_switch if self.settings.sending_switch_parameter else None)

    @cached_property
    def pacer(self):
        """This sender's share of the account's SES rate (every concurrent sender gets an equal share)."""
        import time

        from digest.core.pacing import Pacer, share
        from digest.errors import MailError

        rate = self.settings.ses_max_send_rate
        if not rate:
            try:
                rate = self.mailer.max_send_rate()
            except MailError:
                rate = 14.0  # SES's smallest production quota; the local stand-in has no GetAccount
        per_sender = share(rate, self.settings.sender_concurrency)
        return Pacer(per_sender, max(1, int(per_sender)), time.monotonic, time.sleep)


_container: Container | None = None


def use(instance: Container | None) -> None:
    """Make ``instance`` the process-wide container (the CLI and tests); ``None`` forgets it."""
    global _container
    _container = instance


def container() -> Container:
    """The process-wide container, built from the environment on first call."""
    global _container
    if _container is None:
        _container = Container(Settings.from_env())
    return _container
