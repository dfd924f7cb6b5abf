"""A subscribed reader's own pages: preferences, unsubscribe with a reason, subscribe again.

Every action needs the reader's signed token (the one in each edition's unsubscribe and
preferences links). A reader who unsubscribed, complained or bounced sees that state, never a form
that pretends to work; only an active reader's settings can be saved. Subscribing again goes
through a new confirmation: nothing is sent to them until they confirm.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from aws_lambda_powertools import Logger

from digest.core.preferences import MAX_PAUSE_DAYS, Preferences, clean_reason, preferences_of, read_preferences
from digest.core.subscriber import ACTIVE, LAPSED, PENDING, SUPPRESSED, UNSUBSCRIBED, Subscriber
from digest.core.tokens import UNSUBSCRIBE, read_token
from digest.ports import Clock
from digest.ports_reader import SubscriberStore

logger = Logger(child=True)

# The settings a subscriber record holds (the page offers only these).
STORED = frozenset(Preferences.__dataclass_fields__) & frozenset(Subscriber.__dataclass_fields__)
DERIVED = frozenset({"timezone_set"})  # says whether a stored setting was chosen; never written itself
# Readers who may ask to subscribe again from their preferences page.
MAY_RETURN = (UNSUBSCRIBED, LAPSED)
WRITE_TRIES = 3  # conditional writes lost to concurrent changes before giving up


@dataclass(frozen=True)
class Account:
    """What a preferences page shows: the reader's status and settings, or why there are none."""

    ok: bool
    status: str = ""
    prefs: Preferences = Preferences()
    problems: tuple[str, ...] = ()
    saved: bool = False
    subscriber_id: str = ""


class ReaderAccount:
    def __init__(
        self,
        *,
        subscribers: SubscriberStore,
        clock: Clock,
        secret: str,
        zones: frozenset[str],
        default_hour: int,
        confirm_again: Callable[[Subscriber], None],
        default_zone: str = "America/New_York",
    ) -> None:
        self.subscribers, self.clock, self.secret, self.zones = subscribers, clock, secret, zones
        self.default_hour, self.confirm_again, self.default_zone = default_hour, confirm_again, default_zone

    def prefs(self, reader: Subscriber) -> Preferences:
        """What ``reader`` has chosen, the newsroom's defaults for the rest; a dated pause that
        has ended shows as ended (the next edition's dispatch lifts it in the record)."""
        prefs = preferences_of(reader, self.default_hour, self.default_zone)
        if reader.pause_over(self.clock.now().date().isoformat()):
            prefs = replace(prefs, paused=False, paused_until="")
        return prefs

    def view(self, token: str) -> Account:
        """The reader's current status and settings."""
        current = self._reader(token)
        if current is None:
            return Account(False, problems=("This link is not valid.",))
        return Account(True, current.status, self.prefs(current), subscriber_id=current.subscriber_id)

    def save(self, token: str, fields: Mapping[str, str]) -> Account:
        """Apply the settings ``fields`` carries; fields it lacks keep their values. Only the
        changed fields are written, and only while the reader is still active: an unsubscribe or
        a complaint landing meanwhile stands, and the page shows it."""
        current = self._reader(token)
        for _ in range(WRITE_TRIES):
            if current is None:
                return Account(False, problems=("This link is not valid.",))
            before = self.prefs(current)
            if current.status != ACTIVE:
                return Account(True, current.status, before, subscriber_id=current.subscriber_id)
            after, problems = read_preferences(fields, before, self.zones, self.clock.now().date())
            if problems:
                return Account(True, current.status, before, tuple(problems), subscriber_id=current.subscriber_id)
            wanted = {n for n in Preferences.__dataclass_fields__ if getattr(after, n) != getattr(before, n)} - DERIVED
            if after.timezone_set and not before.timezone_set:  # the zone shown was the default: now chosen
                wanted.add("timezone")
            if wanted & {"paused", "paused_until"}:  # a pause is its flag and its date together
                wanted |= {"paused", "paused_until"}
            if wanted - STORED:  # a setting this record cannot keep is refused, not dropped in silence
                problem = f"These settings cannot be changed: {', '.join(sorted(wanted - STORED))}."
                return Account(True, current.status, before, (problem,), subscriber_id=current.subscriber_id)
            changes: dict[str, object] = {name: getattr(after, name) for name in wanted}
            sid = current.subscriber_id
            if not changes or self.subscribers.update(
                sid, {**changes, "updated_at": self.clock.now().isoformat()}, (ACTIVE,)
            ):
                logger.info("preferences saved", extra={"subscriber_id": sid, "changed": sorted(changes)})
                saved = self.prefs(replace(current, **changes))  # type: ignore[arg-type]
                return Account(True, ACTIVE, saved, (), True, sid)
            current = self.subscribers.get(sid)  # no longer active: read again and show that
        problem = "Your settings changed meanwhile; please try again."
        return Account(False, problems=(problem,))

    def unsubscribe(self, token: str, reason: str = "") -> bool:
        """Unsubscribe the token's owner at once (RFC 8058), keeping their one-line reason.

        False for a forged token. A reader already suppressed (complained, bounced) stays so:
        their state is the stronger one.
        """
        current = self._reader(token)
        if current is None:
            logger.warning("refused unsubscribe token")
            return False
        said = clean_reason(reason)
        sid = current.subscriber_id
        for _ in range(WRITE_TRIES):
            if current is None or current.status in SUPPRESSED or current.status == UNSUBSCRIBED:
                return True
            # Conditioned on the status read: a complaint landing meanwhile is kept, not replaced.
            if self.subscribers.set_status(
                sid, UNSUBSCRIBED, f"reader: {said}" if said else "reader", (current.status,)
            ):
                logger.info("unsubscribed", extra={"subscriber_id": sid, "gave_reason": bool(said)})
                return True
            current = self.subscribers.get(sid)
        logger.warning("unsubscribe kept losing to concurrent changes", extra={"subscriber_id": sid})
        return False

    def resubscribe(self, token: str) -> Account:
        """Start a new double opt-in for a reader who left or whose trial lapsed."""
        current = self._reader(token)
        if current is None:
            return Account(False, problems=("This link is not valid.",))
        prefs = self.prefs(current)
        if current.status not in MAY_RETURN:
            return Account(True, current.status, prefs, subscriber_id=current.subscriber_id)
        changes: dict[str, object] = {"status": PENDING, "updated_at": self.clock.now().isoformat()}
        changes["reason"] = "resubscribe"
        if not self.subscribers.update(current.subscriber_id, changes, (current.status,), current.updated_at):
            again = self.subscribers.get(current.subscriber_id) or current  # changed meanwhile: show that
            return Account(True, again.status, self.prefs(again), subscriber_id=again.subscriber_id)
        pending = replace(current, **changes)  # type: ignore[arg-type]
        self.confirm_again(pending)
        return Account(True, PENDING, prefs, saved=True, subscriber_id=current.subscriber_id)

    def pause_bounds(self) -> tuple[str, str]:
        """The first and last day a pause may end on (ISO dates), for the date field."""
        today = self.clock.now().date()
        return (today + timedelta(days=1)).isoformat(), (today + timedelta(days=MAX_PAUSE_DAYS)).isoformat()

    def _reader(self, token: str) -> Subscriber | None:
        sid = read_token(self.secret, UNSUBSCRIBE, token)
        return self.subscribers.get(sid) if sid else None
