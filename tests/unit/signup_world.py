"""The sign-up path's queue and counters for service tests: requests handed to the confirmation
consumer at once (as the local stack drains its queue right after each enqueue), or kept on a
``FakeSqs`` for tests that drive the consumer themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from digest.core.edition import Brand
from digest.core.mailing import Mailing
from digest.ports import Clock, Mailer
from digest.ports_reader import SubscriberStore
from digest.services.confirmations import Confirmations
from tests.unit.fakes import FakeSignupCounters


class InlineQueue:
    """A queue whose consumer takes each message as it is sent; every body is kept."""

    def __init__(self, consume: Callable[[str], object]) -> None:
        self.consume, self.bodies = consume, []  # type: list[str]

    def send(self, bodies: Iterable[str]) -> int:
        batch = list(bodies)
        for body in batch:
            self.bodies.append(body)
            self.consume(body)
        return len(batch)


def signup_ports(
    subscribers: SubscriberStore, mailer: Mailer, env: Any, brand: Brand, clock: Clock, options: Mailing
) -> dict[str, Any]:
    """``signup_requests`` and ``signup_counters`` for a ``Subscriptions`` whose confirmations are
    sent at once by a ``Confirmations`` on the same fakes."""
    counters = FakeSignupCounters()
    confirmations = Confirmations(
        subscribers=subscribers,
        mailer=mailer,
        env=env,
        brand=brand,
        clock=clock,
        options=options,
        signup_counters=counters,
    )
    return {"signup_requests": InlineQueue(confirmations.handle), "signup_counters": counters}
