"""The public subscription flow: subscribe (double opt-in), confirm (then a welcome email), and
the reader's own pages (:class:`~digest.services.reader.ReaderAccount`).

A sign-up request does the same work whoever it names, so neither its answer nor its timing tells
a known address from a new one: validate, count it against the sign-up limits
(``core.signup_limits``), queue a confirmation request, answer. A limit reached answers as a
success does and queues nothing. What the address's state means (active: nothing; suppressed:
one confirmation link per 30 days, the record left suppressed; anyone else: a confirmation link)
is decided off the request path, by the queue's consumer (:mod:`digest.services.confirmations`).

Complained and hard-bounced readers are suppressed for good unless they opt in anew: confirming
brings one back only with a link issued after the suppression (a link from before a complaint
confirms nothing). A link's age and issue time are read against the injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from zoneinfo import available_timezones

import jinja2
from aws_lambda_powertools import Logger
from itsdangerous import BadData, URLSafeTimedSerializer

from digest.core.edition import Brand
from digest.core.mailing import Mailing, compose
from digest.core.plans import COMPLIMENTARY, PAID, TRIAL, plan_for, plan_label, validate_address
from digest.core.preferences import preferences_of
from digest.core.signup_limits import SignupLimits, counters
from digest.core.site import SiteLinks
from digest.core.subscriber import ACTIVE, PENDING, SUPPRESSED, Subscriber, normalize_address
from digest.core.tokens import CONFIRM
from digest.core.welcome import Welcome, choices_sentence, delivery_time, end_label, first_delivery, when_label
from digest.errors import MailError
from digest.ports import Clock, Mailer, Queue
from digest.ports_reader import SignupCounters, SubscriberStore
from digest.services.confirmations import CONFIRM_HOURS, ConfirmationRequest
from digest.services.reader import STORED, ReaderAccount

logger = Logger(child=True)


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
        signup_requests: Queue,
        signup_counters: SignupCounters,
        signup_limits: SignupLimits | None = None,
        site: SiteLinks | None = None,
        send_hour: int = 6,
        zone: str = "America/New_York",  # the newsroom's: a reader's zone until they choose one
    ) -> None:
        self.subscribers, self.mailer, self.env, self.brand = subscribers, mailer, env, brand
        self.clock, self.options = clock, options
        self.requests, self.counters = signup_requests, signup_counters
        self.limits = signup_limits or SignupLimits()
        # Without the stack's site URL, the site is where the sign-up page is.
        self.site = site or SiteLinks(brand.trial_url.rsplit("/", 1)[0], options.api_base_url)
        self.send_hour, self.zone = send_hour, zone

    def subscribe(
        self, address: str, *, role: str = "", honeypot: str = "", source: str = "web", client: str = ""
    ) -> Outcome:
        """Start a double opt-in for ``address``, asked from ``client`` (the caller's IP address).
        Invalid input is refused; everything else gets the same answer after the same work."""
        address = normalize_address(address)
        problem = validate_address(address)
        if problem:
            return Outcome(False, problem)
        if honeypot.strip():
            logger.info("honeypot filled: ignored")
            return Outcome(True)
        for counter in counters(address, client, self.clock.now(), self.limits, self.options.signing_secret):
            if not self.counters.take(counter.key, counter.limit, counter.expires_at):
                logger.info("sign-up limit reached: nothing queued", extra={"limit": counter.scope})
                return Outcome(True)
        request = ConfirmationRequest(address, role.strip().lower()[:20], source[:40])
        self.requests.send([request.to_body()])
        return Outcome(True)

    def check_confirmation(self, token: str) -> Outcome:
        """Whether a confirmation link can still confirm; reads only (a GET of the link, which mail
        scanners make too, must change nothing)."""
        found = self._confirming(token)
        if found is None:
            return Outcome(False, "this confirmation link is not valid or has expired")
        current, issued = found
        if current.status != ACTIVE and not may_confirm(current, issued):
            return Outcome(False, "this confirmation link is no longer valid")
        return Outcome(True)

    def confirm(self, token: str) -> Outcome:
        """Activate the subscriber the (unexpired) token names, with the plan their address earns
        (a paid or complimentary plan is kept), and send the welcome email once. A suppressed
        reader comes back only with a link issued after the suppression."""
        found = self._confirming(token)
        if found is None:
            return Outcome(False, "this confirmation link is not valid or has expired")
        current, issued = found
        if current.status == ACTIVE:
            return Outcome(True, welcome=self._welcome(current))
        if not may_confirm(current, issued):
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
        if current.status in SUPPRESSED:  # a new opt-in: the bounces counted before are history
            changes["soft_bounces"] = 0
        if not self.subscribers.update(current.subscriber_id, changes, (current.status,), current.updated_at):
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
            default_zone=self.zone,
            confirm_again=self._confirm_again,
        )

    def _confirming(self, token: str) -> tuple[Subscriber, datetime] | None:
        """The reader a confirmation token names and when it was issued; None when it is forged,
        for another purpose or older than ``CONFIRM_HOURS`` by the injected clock."""
        try:
            sid, issued = URLSafeTimedSerializer(self.options.signing_secret, salt=CONFIRM).loads(
                token, return_timestamp=True
            )
        except BadData:
            return None
        if not isinstance(sid, str) or self.clock.now() - issued > timedelta(hours=CONFIRM_HOURS):
            return None
        current = self.subscribers.get(sid)
        return (current, issued) if current is not None else None

    def _welcome(self, reader: Subscriber) -> Welcome:
        prefs = preferences_of(reader, self.send_hour, self.zone)
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

    def _confirm_again(self, pending: Subscriber) -> None:
        """Queue a new confirmation for a reader who left and asked to come back (already pending)."""
        request = ConfirmationRequest(pending.email, pending.role, pending.source or "web", again=True)
        self.requests.send([request.to_body()])


def may_confirm(reader: Subscriber, issued: datetime) -> bool:
    """Whether a confirmation link issued at ``issued`` may activate ``reader``: a pending reader,
    or a suppressed one whose link was issued after the suppression (their record's last change).

    Examples
    --------
    >>> from digest.core.subscriber import COMPLAINED
    >>> gone = Subscriber("sub-1", "a@example.org", COMPLAINED, updated_at="2026-12-02T08:00:00+00:00")
    >>> may_confirm(gone, datetime(2026, 12, 2, 7, 0, tzinfo=UTC)), may_confirm(gone, datetime(2026, 12, 3, tzinfo=UTC))
    (False, True)
    """
    if reader.status == PENDING:
        return True
    if reader.status not in SUPPRESSED or not reader.updated_at:
        return False
    suppressed_at = datetime.fromisoformat(reader.updated_at)
    if suppressed_at.tzinfo is None:
        suppressed_at = suppressed_at.replace(tzinfo=UTC)
    return issued > suppressed_at
