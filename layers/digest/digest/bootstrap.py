"""Composition root: the adapters (:class:`~digest.adapters.registry.Adapters`) and the services
built on them, lazily. Wiring only: every rule lives in a service or in core. Services name what
they need as keyword-only parameters (``stories``, ``blobs``, ``clock``...) and :meth:`Container.call`
passes the container's attribute of that name, as *Architecture Patterns with Python*'s bootstrap
injects dependencies. Handlers call ``container()``; tests and the CLI build ``Container(settings, clock)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from functools import cached_property
from typing import Any, TypeVar

from digest.adapters.registry import Adapters
from digest.bootstrap_reader import ReaderServices
from digest.config import Settings, sources_of
from digest.core.story import Source

T = TypeVar("T")


class Container(Adapters, ReaderServices):
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

    def dispatch(self, day: str, scheduled: bool, groups: bool = False) -> Any:
        """Send ``day``'s edition (only the schedule is bound to the send window), or queue the groups due."""
        from digest.services.dispatch import DispatchOptions, dispatch, dispatch_groups

        options = DispatchOptions.from_settings(self.settings, scheduled or groups)
        return self.call(dispatch_groups if groups else dispatch, day, options=options, now=self.clock.now())

    @cached_property
    def sender(self) -> Any:
        from digest.services.send import Sender

        switch = self.sending_switch if self.settings.sending_switch_parameter else None
        return self.call(Sender, options=self.mailing, switch=switch)

    @cached_property
    def editor(self) -> Any:
        from digest.services.editor import Editor, EditorPorts

        return Editor(
            EditorPorts(
                self.editions, self.blobs, self.ledger, self.queue, self.audit, self.clock, self.delivery_groups
            ),
            rebuild=lambda day, note: self.assemble(date.fromisoformat(day), note, by_editor=True),
            dispatch=lambda day: self.dispatch(day, scheduled=False),
            test_send=lambda day, version, people, variant: self.sender.send_test_copies(day, version, people, variant),
            require_approval=self.settings.require_approval,
            zone=self.settings.edition_timezone,
            subscriber_ids=lambda: self.subscriber_ids,
        )

    @cached_property
    def subscriber_ids(self) -> Any:
        """Subscriber ids keyed with a key derived from the signing secret (never the tokens' key)."""
        from digest.core.subscriber import SubscriberIds

        return SubscriberIds.from_secret(self.signing_secret)

    @cached_property
    def actions(self) -> Any:
        from digest.services.actions import Actions

        return Actions(self.editor, self.action_store, self.action_starter, self.audit, self.clock)

    @cached_property
    def subscriber_admin(self) -> Any:
        """The admins' subscriber list: counts, search, export, import (confirmation emails), remove."""
        from digest.services.subscriber_admin import SubscriberAdmin

        candidates = self.subscriber_ids.candidates
        return self.call(SubscriberAdmin, candidates=candidates, zone=self.settings.edition_timezone)


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
