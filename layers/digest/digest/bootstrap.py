"""Composition root: the adapters (:class:`~digest.adapters.registry.Adapters`) and the services
built on them, lazily. Wiring only: every rule lives in a service or in core. Services name what
they need as keyword-only parameters (``stories``, ``blobs``, ``clock``...) and :meth:`Container.call`
passes the container's attribute of that name, as *Architecture Patterns with Python*'s bootstrap
injects dependencies. Handlers call ``container()``; tests and the CLI build ``Container(settings, clock)``.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from datetime import date
from functools import cached_property
from typing import Any, TypeVar

from digest.adapters.registry import Adapters
from digest.config import Settings, sources_of
from digest.core.story import Source

T = TypeVar("T")


class Container(Adapters):
    def call(self, fn: Callable[..., T], *args: Any, **given: Any) -> T:
        """``fn(*args, **given)`` plus, for each keyword-only parameter not given, this container's
        attribute of the same name when it has one (the parameter's default otherwise)."""
        params = inspect.signature(fn).parameters.values()
        wanted = [p.name for p in params if p.kind is p.KEYWORD_ONLY and p.name not in given]
        return fn(*args, **{name: getattr(self, name) for name in wanted if hasattr(self, name)}, **given)

    def today(self) -> date:
        """The newsroom's current edition date (today in its time zone)."""
        from digest.core.schedule import edition_day

        return edition_day(self.clock.now(), self.settings.edition_timezone)

    def assemble(self, day: date, note: str | None = None, by_editor: bool = False, newest: bool = False) -> Any:
        """Build ``day``'s edition; only an editor's rebuild lifts a hold."""
        from digest.services.assemble import AssembleOptions, assemble

        options = AssembleOptions.from_settings(self.settings)
        return self.call(assemble, day, options=options, note=note, keep_hold=not by_editor, newest=newest)

    def ingest(self, sources: list[Source] | None = None, force: bool = False, withdraw: bool = True) -> Any:
        """Poll ``sources`` (the configured ones by default), then take the withdrawn stories out of
        recent editions (``withdraw=False``: the demo's single morning has none to take out);
        returns the ingest report and the days rebuilt."""
        from digest.services.ingest import ingest
        from digest.services.withdraw import withdraw_recent

        report = self.call(ingest, sources_of(self.settings) if sources is None else sources, force=force)
        if not withdraw:
            return report, []
        rebuild = lambda day, note: self.assemble(date.fromisoformat(day), note)  # noqa: E731
        return report, self.call(withdraw_recent, report.withdrawn, self.today(), rebuild=rebuild)

    def narrate(self, day: str) -> Any:
        """Narrate ``day``'s latest version (assemble calls it when a rebuild changed the spoken text)."""
        from digest.services.narrate import narrate

        return self.call(narrate, day)

    def publish(self, record: Any) -> object:
        """Publish an edition's web copy, the archive and the feeds, then the reader's pages."""
        from digest.services.publish import publish
        from digest.services.site import publish_pages

        s = self.settings
        entry = self.call(publish, record, public_base_url=s.public_base_url, now=self.clock.now(), cdn=self.site_cache)
        self.call(publish_pages, cdn=None)  # short-lived pages; one invalidation per publish (above)
        return entry

    def dispatch_options(self, scheduled: bool) -> Any:
        """Dispatch settings; only the schedule's trigger is bound to the send window."""
        from digest.services.dispatch import DispatchOptions

        return DispatchOptions.from_settings(self.settings, scheduled)

    def dispatch(self, day: str, scheduled: bool) -> Any:
        from digest.services.dispatch import dispatch

        return self.call(dispatch, day, options=self.dispatch_options(scheduled), now=self.clock.now())

    @cached_property
    def sender(self) -> Any:
        from digest.core.pacing import Pacer, sender_rate
        from digest.services.send import Sender

        s = self.settings
        rate = sender_rate(s.ses_max_send_rate, lambda: self.mailer.max_send_rate(), s.sender_concurrency)
        pacer = Pacer(rate, max(1, int(rate)), time.monotonic, time.sleep)
        switch = self.sending_switch if s.sending_switch_parameter else None
        return self.call(Sender, options=self.mailing, pacer=pacer, switch=switch)

    @cached_property
    def editor(self) -> Any:
        from digest.services.editor import Editor, EditorPorts

        return Editor(
            EditorPorts(self.editions, self.blobs, self.ledger, self.queue, self.audit, self.clock),
            rebuild=lambda day, note: self.assemble(date.fromisoformat(day), note, by_editor=True),
            dispatch=lambda day: self.dispatch(day, scheduled=False),
            test_send=lambda day, version, people, variant: self.sender.send_test_copies(day, version, people, variant),
            require_approval=self.settings.require_approval,
            zone=self.settings.edition_timezone,
        )

    @cached_property
    def actions(self) -> Any:
        from digest.services.actions import Actions

        return Actions(self.editor, self.action_store, self.action_starter, self.audit, self.clock)

    @cached_property
    def subscriptions(self) -> Any:
        from digest.services.subscribe import Subscriptions

        return self.call(Subscriptions, options=self.mailing, send_hour=self.settings.send_at.hour)

    @cached_property
    def feedback(self) -> Any:
        from digest.services.feedback import Feedback

        return self.call(Feedback)

    def run_trials(self, day: date) -> Any:
        from digest.services.trials import run_trials

        return self.call(run_trials, day, options=self.mailing)


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
