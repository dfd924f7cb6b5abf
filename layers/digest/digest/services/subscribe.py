"""The public subscription flow: subscribe (double opt-in), confirm (then a welcome email), and
the reader's own pages (:class:`~digest.services.reader.ReaderAccount`).

Responses never reveal whether an address is already known: a new, pending, active or
suppressed address all get the same answer. Only pending addresses are emailed (a confirmation),
and never one that bounced or complained.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Literal
from zoneinfo import available_timezones

import jinja2
from aws_lambda_powertools import Logger

from digest.core.edition import Brand
from digest.core.mailing import Mailing, compose
from digest.core.plans import COMPLIMENTARY, PAID, TRIAL, plan_for, plan_label, validate_address
from digest.core.preferences import preferences_of
from digest.core.site import SiteLinks
from digest.core.subscriber import ACTIVE, PENDING, SUPPRESSED, Subscriber, normalize_address, subscriber_id
from digest.core.tokens import CONFIRM, read_token
from digest.core.welcome import Welcome, choices_sentence, delivery_time, end_label, first_delivery, when_label
from digest.errors import MailError
from digest.ports import Clock, Mailer, SubscriberStore
from digest.services.reader import STORED, ReaderAccount

logger = Logger(child=True)


CONFIRM_HOURS = 48  # how long a confirmation link works
WRITE_TRIES = 3  # conditional writes lost to concurrent changes before giving up


@dataclass(frozen=True)
class Outcome:
    ok: bool
    reason: str = ""
    welcome: Welcome | None = None  # what a confirmation page tells the new reader


class Subscriptions:
    def __init__(
        self,
        *,
        subscribers: SubscriberStore,
        mailer: Mailer,
        env: jinja2.Environment,
        brand: Brand,
        clock: Clock,
        options: Mailing,
        site: SiteLinks | None = None,
        send_hour: int = 6,
    ) -> None:
        self.subscribers, self.mailer, self.env, self.brand = subscribers, mailer, env, brand
        self.clock, self.options = clock, options
        # Without the stack's site URL, the site is where the sign-up page is.
        self.site = site or SiteLinks(brand.trial_url.rsplit("/", 1)[0], options.api_base_url)
        self.send_hour = send_hour

    def subscribe(self, address: str, *, role: str = "", honeypot: str = "", source: str = "web") -> Outcome:
        """Start a double opt-in. Invalid input is refused; everything else looks the same."""
        address = normalize_address(address)
        problem = validate_address(address)
        if problem:
            return Outcome(False, problem)
        if honeypot.strip():
            logger.info("honeypot filled: ignored")
            return Outcome(True)
        sid = subscriber_id(address)
        for _ in range(WRITE_TRIES):  # a concurrent change wins the write: read again, decide again
            pending = self._to_pending(self.subscribers.get(sid), sid, address, role, source)
            if pending is None:
                return Outcome(True)
            if pending is not False:
                self._send_confirmation(pending)
                return Outcome(True)
        logger.warning("subscribe kept losing to concurrent changes: nothing sent", extra={"subscriber_id": sid})
        return Outcome(True)

    def _to_pending(
        self, current: Subscriber | None, sid: str, address: str, role: str, source: str
    ) -> Subscriber | None | Literal[False]:
        """Make the record pending and return it; None when nothing is to be sent, False when a
        concurrent change won the write. Only status, role, source, time and reason are written:
        a returning reader keeps their plan and trial end (unsubscribing does not buy a new trial,
        and a paid plan stays paid)."""
        now = self.clock.now().isoformat()
        if current is not None and (current.status == ACTIVE or current.status in SUPPRESSED):
            logger.info("subscribe for a known address: nothing sent", extra={"subscriber_id": sid})
            return None
        if current is not None and current.status == PENDING and _recent(current.updated_at, self.clock.now()):
            logger.info("confirmation sent recently: not sent again", extra={"subscriber_id": sid})
            return None
        changes: dict[str, object] = {
            "status": PENDING,
            "role": role.strip().lower()[:20],
            "source": source[:40],
            "updated_at": now,
            "reason": "subscribe",
        }
        if current is None:
            fresh = Subscriber(sid, address, created_at=now, **changes)  # type: ignore[arg-type]
            return fresh if self.subscribers.add(fresh) else False
        if not self.subscribers.update(sid, changes, (current.status,), unchanged_since=current.updated_at):
            return False
        return replace(current, **changes)  # type: ignore[arg-type]

    def check_confirmation(self, token: str) -> Outcome:
        """Whether a confirmation link can still confirm; reads only (a GET of the link, which mail
        scanners make too, must change nothing)."""
        current = self._confirming(token)
        if current is None:
            return Outcome(False, "this confirmation link is not valid or has expired")
        if current.status not in (PENDING, ACTIVE):
            return Outcome(False, "this confirmation link is no longer valid")
        return Outcome(True)

    def confirm(self, token: str) -> Outcome:
        """Activate the subscriber the (unexpired) token names, with the plan their address earns
        (a paid or complimentary plan is kept), and send the welcome email once."""
        current = self._confirming(token)
        if current is None:
            return Outcome(False, "this confirmation link is not valid or has expired")
        if current.status == ACTIVE:
            return Outcome(True, welcome=self._welcome(current))
        if current.status != PENDING:
            return Outcome(False, "this confirmation link is no longer valid")
        today = self.clock.now().date()
        plan, trial_end = plan_for(current.email, current.role, today)
        if current.plan in (PAID, COMPLIMENTARY):  # they pay, or were given it: that plan stays
            plan, trial_end = current.plan, (date.fromisoformat(current.trial_end) if current.trial_end else None)
        elif current.trial_end and plan == TRIAL:  # they had a trial before: it does not start again
            trial_end = date.fromisoformat(current.trial_end)
        changes: dict[str, object] = {
            "status": ACTIVE,
            "plan": plan,
            "trial_end": trial_end.isoformat() if trial_end else "",
            "updated_at": self.clock.now().isoformat(),
            "reason": "confirmed",
        }
        if not self.subscribers.update(current.subscriber_id, changes, (PENDING,), current.updated_at):
            # Changed since it was read: a confirmation racing this one, or an unsubscribe or a
            # complaint, which stand. Decide again on the stored state; nothing is overwritten.
            again = self.subscribers.get(current.subscriber_id)
            if again is not None and again.status == ACTIVE:
                return Outcome(True, welcome=self._welcome(again))
            return Outcome(False, "this confirmation link is no longer valid")
        active = replace(current, **changes)  # type: ignore[arg-type]
        logger.info("subscription confirmed", extra={"subscriber_id": active.subscriber_id, "plan": plan})
        welcome = self._welcome(active)
        try:
            self._send_welcome(active, welcome)
        except MailError:  # the reader is subscribed either way, and the page says what the email would
            logger.exception("welcome not sent", extra={"subscriber_id": active.subscriber_id})
        return Outcome(True, welcome=welcome)

    @cached_property
    def account(self) -> ReaderAccount:
        """The reader's own pages: preferences, unsubscribe, subscribe again."""
        return ReaderAccount(
            subscribers=self.subscribers,
            clock=self.clock,
            secret=self.options.signing_secret,
            zones=frozenset(available_timezones()),
            default_hour=self.send_hour,
            confirm_again=self._send_confirmation,
        )

    def _confirming(self, token: str) -> Subscriber | None:
        sid = read_token(self.options.signing_secret, CONFIRM, token, max_age=CONFIRM_HOURS * 3600)
        return self.subscribers.get(sid) if sid else None

    def _welcome(self, reader: Subscriber) -> Welcome:
        prefs = preferences_of(reader, self.send_hour)
        links = self.options.links(reader.subscriber_id)
        due = first_delivery(self.clock.now(), prefs.timezone, prefs.send_hour)
        return Welcome(
            plan_label=plan_label(reader.plan),
            trial_end_label=end_label(reader.trial_end) if reader.plan == TRIAL else "",
            first_delivery=when_label(due, self.clock.now()),
            delivery_time=delivery_time(prefs.timezone, prefs.send_hour),
            preferences_url=links.preferences_url,
            unsubscribe_url=links.unsubscribe_url,
            site_url=self.site.site_url,
            podcast_url=self.site.page("podcast.xml"),
            choices=choices_sentence(STORED),
        )

    def _send_welcome(self, reader: Subscriber, welcome: Welcome) -> None:
        subject = f"Welcome to {self.brand.name}"
        key = f"welcome:{reader.subscriber_id}:{reader.updated_at}"
        envelope = self.options.envelope(reader.email, subject, key, welcome.unsubscribe_url)
        message = compose(self.env, "welcome", {"brand": self.brand, "welcome": welcome}, envelope, self.clock.now())
        self.mailer.send_raw(message, reader.email, {"kind": "welcome", "subscriber": reader.subscriber_id})
        logger.info("welcome sent", extra={"subscriber_id": reader.subscriber_id})

    def _send_confirmation(self, pending: Subscriber) -> None:
        confirm_url, token = self.options.confirm_url(pending.subscriber_id)
        plan, _ = plan_for(pending.email, pending.role, self.clock.now().date())
        context = {
            "brand": self.brand,
            "confirm_url": confirm_url,
            "expires_hours": CONFIRM_HOURS,
            "plan_label": plan_label(plan),
        }
        subject = f"Confirm your subscription to {self.brand.name}"
        envelope = self.options.envelope(pending.email, subject, f"confirm:{pending.subscriber_id}:{token}")
        self.mailer.send_raw(
            compose(self.env, "confirm", context, envelope, self.clock.now()),
            pending.email,
            {"kind": "confirm", "subscriber": pending.subscriber_id},
        )
        logger.info("confirmation sent", extra={"subscriber_id": pending.subscriber_id})


def _recent(stamp: str, now: datetime, minutes: int = 10) -> bool:
    try:
        return now - datetime.fromisoformat(stamp) < timedelta(minutes=minutes)
    except (TypeError, ValueError):
        return False
