"""Confirmation emails, sent from the queue the sign-up form fills (the consumer's side).

The public API only validates a request, counts it against the sign-up limits and queues it
(:mod:`digest.services.subscribe`), so its answer cannot tell a known address from a new one.
Here, off the request path, the address's state decides: an active reader gets nothing, anyone
else but a suppressed reader is made pending and gets a confirmation link, at most one per address
per ten minutes (a one-use counter, ``core.signup_limits.sent_marker``). A suppressed reader
(complained, hard-bounced) who signs up again gets one confirmation per ``RETURN_DAYS`` at most,
and stays suppressed: only confirming that link, issued after the suppression, brings them back
(:meth:`digest.services.subscribe.Subscriptions.confirm`); a request to come back from their
preferences page sends them nothing.
An address is found under its keyed id, or under its legacy id until that record has moved
(:mod:`digest.services.subscriber_ids`); a new record gets the keyed id.

A throttled or paused SES call gives that counter back and raises, so the message returns to the
queue and is tried again (Lambda's partial batch response); a message SES will never accept, or
whose outcome is unknown, is done with (a reader can ask again; a confirmation is never sent
twice on silence).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

import jinja2
from aws_lambda_powertools import Logger

from digest.core.edition import Brand
from digest.core.mailing import Mailing, compose
from digest.core.plans import plan_for, plan_label, validate_address
from digest.core.signup_limits import KEEP_SECONDS, Counter, sent_marker
from digest.core.subscriber import ACTIVE, PENDING, SUPPRESSED, Subscriber, SubscriberIds, normalize_address
from digest.errors import MailError, MailThrottled
from digest.ports import Clock, Mailer
from digest.ports_reader import SignupCounters, SubscriberStore
from digest.services.subscriber_ids import find_by_address

logger = Logger(child=True)

CONFIRM_HOURS = 48  # how long a confirmation link works
RETURN_DAYS = 30  # a suppressed reader who signs up again: one confirmation per this many days at most
WRITE_TRIES = 3  # conditional writes lost to concurrent changes before giving up
SENT, KNOWN, RECENT, BUSY, NOT_SENT = "sent", "known", "recent", "busy", "not-sent"


@dataclass(frozen=True)
class ConfirmationRequest:
    """What the sign-up form queues: who asked, as what, from where; ``again`` for a reader who
    left and asked from their preferences page (already made pending there).

    Examples
    --------
    >>> r = ConfirmationRequest("a@example.org", role="student")
    >>> ConfirmationRequest.from_body(r.to_body()) == r
    True
    """

    email: str
    role: str = ""
    source: str = "web"
    again: bool = False

    def to_body(self) -> str:
        return json.dumps({"v": 1, **vars(self)}, sort_keys=True)

    @classmethod
    def from_body(cls, body: str) -> ConfirmationRequest:
        """The request a queue message carries; ``ValueError`` when it is not one."""
        data = json.loads(body)
        if not isinstance(data, dict) or data.get("v") != 1 or not isinstance(data.get("email"), str):
            raise ValueError("not a confirmation request (version 1)")
        email = normalize_address(data["email"])
        problem = validate_address(email)
        if problem:
            raise ValueError(f"not a confirmation request: {problem}")
        return cls(
            email, str(data.get("role", ""))[:20], str(data.get("source", "web"))[:40], data.get("again") is True
        )


class Confirmations:
    def __init__(
        self,
        *,
        subscribers: SubscriberStore,
        mailer: Mailer,
        env: jinja2.Environment,
        brand: Brand,
        clock: Clock,
        options: Mailing,
        signup_counters: SignupCounters,
        subscriber_ids: SubscriberIds | None = None,
    ) -> None:
        self.subscribers, self.mailer, self.env, self.brand = subscribers, mailer, env, brand
        self.clock, self.options, self.counters = clock, options, signup_counters
        self.ids = subscriber_ids or SubscriberIds.from_secret(options.signing_secret)

    def handle(self, body: str) -> str:
        """Act on one queued request; raises ``ValueError`` for a message that is not one (it goes
        to the dead-letter queue) and ``MailThrottled`` when it must be tried again."""
        request = ConfirmationRequest.from_body(body)
        sid = self.ids.of(request.email)
        for _ in range(WRITE_TRIES):  # a concurrent change wins the write: read again, decide again
            current = find_by_address(self.subscribers, self.ids, request.email)
            sid = current.subscriber_id if current is not None else self.ids.of(request.email)
            if current is not None and current.status in SUPPRESSED and not request.again:
                return self._send_returning(current, request.email)
            if current is not None and (current.status == ACTIVE or current.status in SUPPRESSED):
                logger.info("confirmation request for a known address: nothing sent", extra={"subscriber_id": sid})
                return KNOWN
            if request.again and (current is None or current.status != PENDING):
                logger.info("request to come back no longer stands: nothing sent", extra={"subscriber_id": sid})
                return KNOWN
            # A reader's own request to come back (from their signed preferences link) is sent once
            # per request; any other gets one confirmation per address per ten minutes.
            occasion = current.updated_at if request.again and current is not None else ""
            marker = sent_marker(sid, self.clock.now(), occasion=occasion)
            if not self.counters.take(marker.key, marker.limit, marker.expires_at):
                logger.info("confirmation sent recently: not sent again", extra={"subscriber_id": sid})
                return RECENT
            pending = self._to_pending(current, sid, request)
            if pending is False:
                self.counters.give_back(marker.key)
                continue
            return self._send(pending, marker.key)
        logger.warning("confirmation kept losing to concurrent changes: nothing sent", extra={"subscriber_id": sid})
        return BUSY

    def _send_returning(self, suppressed: Subscriber, email: str) -> str:
        """A suppressed reader asked to subscribe again: a confirmation link, unless one went to
        them within ``RETURN_DAYS``; their record stays suppressed. A removed one kept no address:
        it gets the one they gave back (still suppressed), so that confirming can bring them back."""
        sid, taken = suppressed.subscriber_id, list[str]()
        for marker in returning_markers(sid, self.clock.now()):
            if not self.counters.take(marker.key, marker.limit, marker.expires_at):
                for key in taken:
                    self.counters.give_back(key)
                logger.info("suppressed reader asked again too soon: nothing sent", extra={"subscriber_id": sid})
                return RECENT
            taken.append(marker.key)
        logger.info("suppressed reader asked to subscribe again", extra={"subscriber_id": sid})
        if not suppressed.email:
            self.subscribers.update(sid, {"email": email}, expected=(suppressed.status,))
        return self._send(replace(suppressed, email=email), *taken)

    def _send(self, pending: Subscriber, *markers: str) -> str:
        try:
            self.send_confirmation(pending)
        except MailThrottled:  # throttled or paused: nothing was accepted; the queue brings it back
            for marker in markers:
                self.counters.give_back(marker)
            raise
        except MailError:  # rejected for good, or an outcome nobody knows: never sent twice on silence
            logger.exception("confirmation not sent", extra={"subscriber_id": pending.subscriber_id})
            return NOT_SENT
        return SENT

    def _to_pending(
        self, current: Subscriber | None, sid: str, request: ConfirmationRequest
    ) -> Subscriber | Literal[False]:
        """Make the record pending and return it; False when a concurrent change won the write.
        Only status, role, source, time and reason are written: a returning reader keeps their
        plan and trial end (unsubscribing does not buy a new trial, and a paid plan stays paid)."""
        if current is not None and request.again:
            return current  # their preferences page made them pending just now
        now = self.clock.now().isoformat()
        changes: dict[str, object] = {
            "status": PENDING,
            "role": request.role.strip().lower()[:20],
            "source": request.source[:40],
            "updated_at": now,
            "reason": "subscribe",
        }
        if current is None:
            fresh = Subscriber(sid, request.email, created_at=now, **changes)  # type: ignore[arg-type]
            return fresh if self.subscribers.add(fresh) else False
        if not self.subscribers.update(sid, changes, (current.status,), unchanged_since=current.updated_at):
            return False
        return replace(current, **changes)  # type: ignore[arg-type]

    def send_confirmation(self, pending: Subscriber) -> None:
        """Email ``pending`` their confirmation link (raises the mailer's errors)."""
        # Issued at the injected clock's time: confirming compares it with when a reader was suppressed.
        confirm_url, token = self.options.confirm_url(pending.subscriber_id, int(self.clock.now().timestamp()))
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


def returning_markers(subscriber_id: str, now: datetime) -> list[Counter]:
    """The one-use counters a confirmation to a suppressed reader takes: those of the
    ``RETURN_DAYS`` window ``now`` is in and of the next one. Another needs both free, so it
    comes ``RETURN_DAYS`` after the last at the earliest (and 2 x ``RETURN_DAYS`` at the latest).

    Examples
    --------
    >>> from datetime import UTC, timedelta
    >>> first = {m.key for m in returning_markers("sub-1", datetime(2026, 12, 2, tzinfo=UTC))}
    >>> def again(days):
    ...     return {m.key for m in returning_markers("sub-1", datetime(2026, 12, 2, tzinfo=UTC) + timedelta(days))}
    >>> [bool(first & again(d)) for d in (1, 29, 59, 60)]  # shares a counter: refused
    [True, True, False, False]
    """
    window = RETURN_DAYS * 86_400
    start = int(now.timestamp()) // window * window
    return [
        Counter("returning", f"returning#{subscriber_id}#{at}", 1, at + window + KEEP_SECONDS)
        for at in (start, start + window)
    ]
