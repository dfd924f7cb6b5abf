"""The public subscription flow: subscribe (double opt-in), confirm, preferences.

Responses never reveal whether an address is already known: a new, pending, active or
suppressed address all get the same answer. Only pending addresses are emailed (a confirmation),
and never one that bounced or complained.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from aws_lambda_powertools import Logger

from digest.core.edition import Brand
from digest.core.mailing import Mailing, compose
from digest.core.plans import plan_for, plan_label, validate_address
from digest.core.subscriber import ACTIVE, PENDING, SUPPRESSED, Subscriber, normalize_address, subscriber_id
from digest.core.tokens import CONFIRM, UNSUBSCRIBE, read_token
from digest.ports import Clock, Mailer, SubscriberStore

logger = Logger(child=True)


CONFIRM_HOURS = 48  # how long a confirmation link works


@dataclass(frozen=True)
class Outcome:
    ok: bool
    reason: str = ""


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
    ) -> None:
        self.subscribers, self.mailer, self.env, self.brand = subscribers, mailer, env, brand
        self.clock, self.options = clock, options

    def subscribe(self, address: str, *, role: str = "", honeypot: str = "", source: str = "web") -> Outcome:
        """Start a double opt-in. Invalid input is refused; everything else looks the same."""
        address = normalize_address(address)
        problem = validate_address(address)
        if problem:
            return Outcome(False, problem)
        if honeypot.strip():
            logger.info("honeypot filled: ignored")
            return Outcome(True)
        sid, now = subscriber_id(address), self.clock.now().isoformat()
        current = self.subscribers.get(sid)
        if current is not None and (current.status == ACTIVE or current.status in SUPPRESSED):
            logger.info("subscribe for a known address: nothing sent", extra={"subscriber_id": sid})
            return Outcome(True)
        if current is not None and current.status == PENDING and _recent(current.updated_at, self.clock.now()):
            logger.info("confirmation sent recently: not sent again", extra={"subscriber_id": sid})
            return Outcome(True)
        # A returning reader keeps their plan and trial end: unsubscribing does not buy a new trial.
        pending = Subscriber(
            sid,
            address,
            PENDING,
            role=role.strip().lower()[:20],
            source=source[:40],
            created_at=current.created_at if current else now,
            updated_at=now,
            plan=current.plan if current else "trial",
            trial_end=current.trial_end if current else "",
        )
        self.subscribers.put(pending)
        self._send_confirmation(pending)
        return Outcome(True)

    def confirm(self, token: str) -> Outcome:
        """Activate the subscriber the (unexpired) token names, with the plan their address earns."""
        sid = read_token(self.options.signing_secret, CONFIRM, token, max_age=CONFIRM_HOURS * 3600)
        current = self.subscribers.get(sid) if sid else None
        if current is None:
            return Outcome(False, "this confirmation link is not valid or has expired")
        if current.status == ACTIVE:
            return Outcome(True)
        if current.status != PENDING:
            return Outcome(False, "this confirmation link is no longer valid")
        today = self.clock.now().date()
        plan, trial_end = plan_for(current.email, current.role, today)
        if current.trial_end and plan == "trial":  # they had a trial before: it does not start again
            trial_end = date.fromisoformat(current.trial_end)
        self.subscribers.put(
            replace(
                current,
                status=ACTIVE,
                plan=plan,
                trial_end=trial_end.isoformat() if trial_end else "",
                updated_at=self.clock.now().isoformat(),
                reason="confirmed",
            )
        )
        logger.info("subscription confirmed", extra={"subscriber_id": sid, "plan": plan})
        return Outcome(True)

    def preferences(self, token: str, *, timezone: str | None = None, paused: bool | None = None) -> Outcome:
        """Change time zone and pause, with the subscriber's own (unsubscribe) token."""
        sid = read_token(self.options.signing_secret, UNSUBSCRIBE, token)
        current = self.subscribers.get(sid) if sid else None
        if current is None:
            return Outcome(False, "this link is not valid")
        changes: dict[str, Any] = {"updated_at": self.clock.now().isoformat()}
        if timezone is not None:
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                return Outcome(False, f"unknown time zone {timezone[:60]!r}")
            changes["timezone"] = timezone
        if paused is not None:
            changes["paused"] = paused
        self.subscribers.put(replace(current, **changes))
        return Outcome(True)

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
