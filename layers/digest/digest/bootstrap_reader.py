"""The reader side's services for the composition root (:mod:`digest.bootstrap`): sign-ups, their
confirmation queue and its consumer, the reader's own pages, SES feedback and trials. Wiring only, as in bootstrap; the
container mixes this in, so ``self`` is the container (its adapters and ``call``). Their emails go
through the transactional mailer: never open or click tracking, whatever the stack's ReadTracking.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Any


class ReaderServices:
    @cached_property
    def subscriptions(self: Any) -> Any:
        from digest.services.subscribe import Subscriptions

        hour, zone = self.settings.send_at.hour, self.settings.edition_timezone
        return self.call(
            Subscriptions, mailer=self.transactional_mailer, options=self.mailing, send_hour=hour, zone=zone
        )

    @cached_property
    def confirmations(self: Any) -> Any:
        """The consumer of the confirmation queue: decides per address, sends the confirmation."""
        from digest.services.confirmations import Confirmations

        return self.call(Confirmations, mailer=self.transactional_mailer, options=self.mailing)

    @cached_property
    def signup_requests(self: Any) -> Any:
        """Where sign-ups queue confirmation requests (on the local stack, drained right after)."""
        from digest.adapters.sqs_drain import signup_queue

        return signup_queue(self.settings, self.confirm_queue, self.client, lambda b: self.confirmations.handle(b))

    @cached_property
    def feedback(self: Any) -> Any:
        from digest.services.feedback import Feedback

        return self.call(Feedback)

    def run_trials(self: Any, day: date) -> Any:
        from digest.services.trials import run_trials

        return self.call(run_trials, day, mailer=self.transactional_mailer, options=self.mailing)
