"""Composition root: the adapters (:class:`~digest.adapters.registry.Adapters`) and the services
built on them, once, lazily, on first use. Wiring only: every rule lives in a service or in core.

Handlers call ``container()``; tests and the CLI build ``Container(settings, clock)`` themselves.
"""

from __future__ import annotations

import time
from datetime import date
from functools import cached_property
from typing import Any

from digest.adapters.registry import Adapters
from digest.config import Settings, brand_of, sources_of
from digest.core.story import Source


class Container(Adapters):
    def __init__(self, settings: Settings, clock: Any = None) -> None:
        super().__init__(settings, clock)
        self.brand = brand_of(settings)

    @cached_property
    def mailing(self) -> Any:
        """The sender of every email and where its links lead."""
        from digest.core.mailing import Mailing

        return Mailing(self.settings.sender, self.settings.api_base_url, self.signing_secret)

    def today(self) -> date:
        """The newsroom's current edition date (today in its time zone)."""
        from digest.core.schedule import edition_day

        return edition_day(self.clock.now(), self.settings.edition_timezone)

    def sources(self) -> list[Source]:
        return sources_of(self.settings)

    @property
    def parse(self) -> Any:
        """The feed parser ingest uses: RSS, Atom, JSON Feed, IPTC ninjs and NewsML-G2."""
        from digest.core.wire import parse_wire

        return parse_wire

    def assemble(self, day: date, note: str | None = None, by_editor: bool = False, newest: bool = False) -> Any:
        """Build ``day``'s edition; only an editor's rebuild lifts a hold."""
        from digest.services.assemble import AssembleOptions, assemble

        s = self.settings
        options = AssembleOptions(
            s.public_base_url, s.max_stories, s.min_stories, s.window_hours, s.edition_timezone, s.assemble_at
        )
        return assemble(
            day,
            stories=self.stories,
            editions=self.editions,
            blobs=self.blobs,
            env=self.env,
            brand=self.brand,
            options=options,
            clock=self.clock,
            note=note,
            keep_hold=not by_editor,
            newest=newest,
            publish=self.publish,
        )

    def ingest(
        self, sources: list[Source] | None = None, force: bool = False, withdraw: bool = True
    ) -> tuple[Any, list[str]]:
        """Poll ``sources`` (the configured ones by default), then take withdrawn stories out of
        recent editions (``withdraw=False``: the demo's single morning has none to take out)."""
        from digest.services.ingest import ingest

        report = ingest(
            self.sources() if sources is None else sources,
            fetcher=self.fetcher,
            stories=self.stories,
            feed_state=self.feed_state,
            clock=self.clock,
            parse=self.parse,
            force=force,
        )
        return report, (self.withdraw(report.withdrawn) if withdraw else [])

    def withdraw(self, story_ids: list[str]) -> list[str]:
        from digest.services.withdraw import withdraw_recent

        return withdraw_recent(
            story_ids,
            self.today(),
            editions=self.editions,
            rebuild=lambda day, note: self.assemble(date.fromisoformat(day), note),
        )

    def publish(self, record: Any) -> object:
        """Publish an edition's web copy, the archive and the feeds."""
        from digest.services.publish import publish

        return publish(
            record,
            blobs=self.blobs,
            env=self.env,
            brand=self.brand,
            public_base_url=self.settings.public_base_url,
            now=self.clock.now(),
            cdn=self.site_cache,
        )

    def dispatch_options(self, scheduled: bool) -> Any:
        """Dispatch settings; only the schedule's trigger is bound to the send window."""
        from digest.services.dispatch import DispatchOptions, SendWindow

        s = self.settings
        window = SendWindow(s.edition_timezone, s.send_at, s.send_window_minutes) if scheduled else None
        return DispatchOptions(s.send_batch_size, s.require_approval, s.audio_policy, window)

    def dispatch(self, day: str, scheduled: bool) -> Any:
        from digest.services.dispatch import dispatch

        return dispatch(
            day,
            editions=self.editions,
            subscribers=self.subscribers,
            queue=self.queue,
            blobs=self.blobs,
            options=self.dispatch_options(scheduled),
            now=self.clock.now(),
            publish=self.publish,
        )

    @cached_property
    def sender(self) -> Any:
        from digest.core.pacing import Pacer, sender_rate
        from digest.services.send import Sender

        s = self.settings
        rate = sender_rate(s.ses_max_send_rate, lambda: self.mailer.max_send_rate(), s.sender_concurrency)
        return Sender(
            editions=self.editions,
            blobs=self.blobs,
            subscribers=self.subscribers,
            ledger=self.ledger,
            mailer=self.mailer,
            clock=self.clock,
            options=self.mailing,
            pacer=Pacer(rate, max(1, int(rate)), time.monotonic, time.sleep),
            switch=self.sending_switch if s.sending_switch_parameter else None,
        )

    @cached_property
    def editor(self) -> Any:
        from digest.services.editor import Editor, EditorPorts

        ports = EditorPorts(self.editions, self.blobs, self.ledger, self.queue, self.audit, self.clock)
        return Editor(
            ports,
            rebuild=lambda day, note: self.assemble(date.fromisoformat(day), note, by_editor=True),
            dispatch=lambda day: self.dispatch(day, scheduled=False),
            test_send=lambda day, version, people: self.sender.send_test_copies(day, version, people),
            require_approval=self.settings.require_approval,
        )

    @cached_property
    def actions(self) -> Any:
        from digest.services.actions import Actions

        return Actions(self.editor, self.action_store, self.action_starter, self.audit, self.clock)

    @cached_property
    def subscriptions(self) -> Any:
        from digest.services.subscribe import Subscriptions

        return Subscriptions(
            subscribers=self.subscribers,
            mailer=self.mailer,
            env=self.env,
            brand=self.brand,
            clock=self.clock,
            options=self.mailing,
        )

    @cached_property
    def feedback(self) -> Any:
        from digest.services.feedback import Feedback

        return Feedback(subscribers=self.subscribers, ledger=self.ledger, clock=self.clock)

    def run_trials(self, day: date) -> Any:
        from digest.services.trials import run_trials

        return run_trials(
            day,
            subscribers=self.subscribers,
            mailer=self.mailer,
            env=self.env,
            brand=self.brand,
            options=self.mailing,
            clock=self.clock,
        )


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
