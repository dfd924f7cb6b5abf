"""The daily trial job: remind trial subscribers before their trial ends, lapse them when it has.

Safe to run more than once a day: a lapsed subscriber is no longer active (so is not seen
again) and a reminded one carries ``reminded=True``. A reminder is sent first and recorded
after, so a crash in between can repeat that one reminder the next run; it is never skipped.
A reminder that cannot be sent (SES refused it, or the address cannot be put in a header) is
logged and tried again on the next run while the trial lasts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.errors import MessageError

import jinja2
from aws_lambda_powertools import Logger

from digest.core.edition import Brand, date_label
from digest.core.mailing import Mailing, compose
from digest.core.plans import TRIAL
from digest.core.subscriber import ACTIVE, LAPSED, Subscriber
from digest.errors import MailError
from digest.ports import Clock, Mailer
from digest.ports_reader import SubscriberStore

logger = Logger(child=True)

REMINDER_DAYS = 3
REMINDER_KIND = "trial-reminder"


@dataclass
class TrialReport:
    """What one run did. ``failed``: reminders that could not be sent; ``skipped``: trials
    without a readable end date (left alone, logged)."""

    reminded: int = 0
    lapsed: int = 0
    failed: int = 0
    skipped: int = 0


def run_trials(
    today: date,
    *,
    subscribers: SubscriberStore,
    mailer: Mailer,
    env: jinja2.Environment,
    brand: Brand,
    options: Mailing,
    clock: Clock,
) -> TrialReport:
    """Lapse every active trial that has ended by ``today``; remind those ending within
    ``REMINDER_DAYS`` days that have not been reminded yet. Other plans are never touched."""
    report = TrialReport()
    for subscriber in subscribers.with_status(ACTIVE):
        if subscriber.plan != TRIAL:
            continue
        sid = subscriber.subscriber_id
        try:
            trial_end = date.fromisoformat(subscriber.trial_end)
        except (TypeError, ValueError):
            logger.warning("trial without a readable end date", extra={"subscriber_id": sid})
            report.skipped += 1
            continue
        if trial_end <= today:
            if subscribers.set_status(sid, LAPSED, f"trial ended {trial_end.isoformat()}", (ACTIVE,)):
                report.lapsed += 1
                logger.info("trial lapsed", extra={"subscriber_id": sid, "trial_end": trial_end.isoformat()})
        elif (trial_end - today).days <= REMINDER_DAYS and not subscriber.reminded:
            if _remind(
                subscriber,
                trial_end,
                subscribers=subscribers,
                mailer=mailer,
                env=env,
                brand=brand,
                options=options,
                clock=clock,
            ):
                report.reminded += 1
            else:
                report.failed += 1
    logger.info("trial job done", extra={"day": today.isoformat(), **vars(report)})
    return report


def reminder_message(
    subscriber: Subscriber,
    trial_end: date,
    *,
    env: jinja2.Environment,
    brand: Brand,
    options: Mailing,
    clock: Clock,
) -> bytes:
    """The raw reminder email, with RFC 8058 one-click unsubscribe headers.

    Raises ``ValueError`` or ``MessageError`` when the address or subject cannot be put in a header.
    """
    label = date_label(trial_end.isoformat())
    unsubscribe_url = options.links(subscriber.subscriber_id).unsubscribe_url
    context = {
        "brand": brand,
        "trial_end_label": label,
        "subscribe_url": brand.trial_url,
        "unsubscribe_url": unsubscribe_url,
    }
    subject = f"Your free trial of {brand.name} ends on {label}"
    key = f"{REMINDER_KIND}:{subscriber.subscriber_id}:{trial_end.isoformat()}"
    return compose(
        env, "reminder", context, options.envelope(subscriber.email, subject, key, unsubscribe_url), clock.now()
    )


def _remind(
    subscriber: Subscriber,
    trial_end: date,
    *,
    subscribers: SubscriberStore,
    mailer: Mailer,
    env: jinja2.Environment,
    brand: Brand,
    options: Mailing,
    clock: Clock,
) -> bool:
    """Send one reminder and record it; False (nothing recorded) when it could not be sent."""
    sid = subscriber.subscriber_id
    try:
        raw = reminder_message(subscriber, trial_end, env=env, brand=brand, options=options, clock=clock)
        mailer.send_raw(raw, subscriber.email, {"kind": REMINDER_KIND, "subscriber": sid})
    except (ValueError, MessageError) as exc:
        logger.warning("reminder not built", extra={"subscriber_id": sid, "error": type(exc).__name__})
        return False
    except MailError as exc:
        logger.warning("reminder not sent", extra={"subscriber_id": sid, "error": type(exc).__name__})
        return False
    # Only the flag is written (changes made since the listing stay), and only while still active.
    subscribers.update(sid, {"reminded": True, "updated_at": clock.now().isoformat()}, (ACTIVE,))
    logger.info("trial reminder sent", extra={"subscriber_id": sid, "trial_end": trial_end.isoformat()})
    return True
