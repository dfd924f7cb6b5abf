"""Concurrent writes to one subscriber record, in threads against the moto server: preferences
saved while the reader unsubscribes and a complaint arrives; two preference pages saved at once;
a paid reader coming back. No update is lost and no suppressed reader comes back to life.

Each actor reads the record, then waits at a barrier until every actor has read it, so the
writes always race on the same stale reads (the interleaving that lost updates before)."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from digest.core.subscriber import ACTIVE, COMPLAINED, PENDING, UNSUBSCRIBED, Subscriber
from digest.core.tokens import CONFIRM, UNSUBSCRIBE, make_token
from tests.integration.handlers import event
from tests.integration.local_server import messages_to

ROUNDS = 20


class ReadThenWait:
    """The real store, with each thread's first read held at ``barrier`` (then a short random
    delay, so the writes land in a different order each round).

    DynamoDB applies one item's conditional writes one at a time (the condition and the write are
    atomic); the moto server does not (two threads' conditions can both pass before either
    writes), so here one lock stands in for that guarantee: each write call is still one real
    request on the moto server, and nothing else is serialised."""

    WRITES = ("put", "add", "update", "set_status")

    def __init__(self, store: Any, barrier: threading.Barrier, rng: random.Random) -> None:
        self.store, self.barrier, self.rng, self.local = store, barrier, rng, threading.local()
        self.delays = {name: rng.uniform(0, 0.02) for name in ("a", "b", "c", "d")}
        self.item_lock = threading.Lock()

    def get(self, sid: str) -> Subscriber | None:
        found = self.store.get(sid)
        if not getattr(self.local, "waited", False):
            self.local.waited = True
            self.barrier.wait(timeout=30)
            threading.Event().wait(self.delays.get(threading.current_thread().name, 0))
        return found

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.store, name)
        if name not in self.WRITES:
            return found

        def atomic(*args: Any, **kwargs: Any) -> Any:
            with self.item_lock:
                return found(*args, **kwargs)

        return atomic


def _race(actors: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    errors: list[BaseException] = []

    def run(name: str, act: Callable[[], Any]) -> None:
        try:
            results[name] = act()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n, a), name=n) for n, a in actors.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def _complaint(sid: str) -> dict[str, Any]:
    message = json.loads(event("feedback", "complaint.json")["Records"][0]["Sns"]["Message"])
    message["mail"]["tags"].update({"subscriber": [sid], "edition": ["2026-11-28"]})
    return message


def _wired(app, rng: random.Random, parties: int):
    """A subscription service and a feedback handler sharing one barrier-holding store."""
    from digest.services.feedback import Feedback

    store = ReadThenWait(app.subscribers, threading.Barrier(parties), rng)
    subscriptions = app.subscriptions
    account = type(subscriptions.account)(
        subscribers=store,
        clock=app.clock,
        secret=subscriptions.options.signing_secret,
        zones=subscriptions.account.zones,
        default_hour=subscriptions.send_hour,
        confirm_again=lambda _: None,
    )
    return account, Feedback(subscribers=store, ledger=app.ledger, clock=app.clock)


def test_preferences_unsubscribe_and_complaint_racing_never_lose_the_complaint(app, stack):
    secret = app.subscriptions.options.signing_secret
    for round_ in range(ROUNDS):
        address = f"racer{round_}@example.com"
        sid = app.subscriber_ids.of(address)
        app.subscribers.put(Subscriber(sid, address, ACTIVE, "paid", updated_at="2026-11-27T10:00:00+00:00"))
        token = make_token(secret, UNSUBSCRIBE, sid)
        account, feedback = _wired(app, random.Random(round_), 3)
        done = _race(
            {
                "a": partial(account.save, token, {"timezone": "Asia/Tokyo", "pause": "yes"}),
                "b": partial(account.unsubscribe, token, "too much"),
                "c": partial(feedback.handle, _complaint(sid)),
            }
        )
        stored = app.subscribers.get(sid)
        assert stored.status == COMPLAINED, f"round {round_}: {stored.status} ({stored.reason})"
        assert stored.plan == "paid"
        if done["a"].saved:  # a save reported to the reader is kept, not lost to another write
            assert (stored.timezone, stored.paused) == ("Asia/Tokyo", True), f"round {round_}"
        else:  # a save refused leaves the settings as they were
            assert (stored.timezone, stored.paused) == ("", False), f"round {round_}"  # not chosen: the newsroom's
        # A later subscribe of the complained address changes nothing; it sends one confirmation
        # link (a new opt-in is the only way back), and no second one within 30 days.
        client = f"198.51.100.{round_ + 1}"  # one client per round: the flood limits stay out of this
        assert app.subscriptions.subscribe(address, client=client).ok
        assert app.subscriptions.subscribe(address, client=client).ok
        assert app.subscribers.get(sid) == stored
        assert len(messages_to(stack, address)) == 1


def test_two_preference_pages_saved_at_once_both_keep_their_change(app):
    secret = app.subscriptions.options.signing_secret
    for round_ in range(ROUNDS):
        address = f"two-tabs{round_}@example.com"
        sid = app.subscriber_ids.of(address)
        app.subscribers.put(Subscriber(sid, address, ACTIVE, "trial", trial_end="2026-12-10"))
        token = make_token(secret, UNSUBSCRIBE, sid)
        account, _ = _wired(app, random.Random(round_), 2)
        done = _race(
            {
                "a": partial(account.save, token, {"timezone": "Europe/Paris"}),
                "b": partial(account.save, token, {"pause": "yes"}),
            }
        )
        assert done["a"].saved and done["b"].saved
        stored = app.subscribers.get(sid)
        assert (stored.status, stored.timezone, stored.paused) == (ACTIVE, "Europe/Paris", True), f"round {round_}"
        assert stored.trial_end == "2026-12-10"


def test_an_unsubscribe_racing_a_confirmation_stands(app):
    secret = app.subscriptions.options.signing_secret
    for round_ in range(ROUNDS // 2):
        address = f"undecided{round_}@example.com"
        sid = app.subscriber_ids.of(address)
        app.subscribers.put(Subscriber(sid, address, PENDING, updated_at="2026-11-28T09:00:00+00:00"))
        store = ReadThenWait(app.subscribers, threading.Barrier(2), random.Random(round_))
        subscriptions = type(app.subscriptions)(
            subscribers=store,
            mailer=app.subscriptions.mailer,
            env=app.subscriptions.env,
            brand=app.subscriptions.brand,
            clock=app.clock,
            options=app.subscriptions.options,
            signup_requests=app.signup_requests,
            signup_counters=app.signup_counters,
            site=app.subscriptions.site,
        )
        confirm, unsubscribe = make_token(secret, CONFIRM, sid), make_token(secret, UNSUBSCRIBE, sid)
        done = _race(
            {"a": partial(subscriptions.confirm, confirm), "b": partial(subscriptions.account.unsubscribe, unsubscribe)}
        )
        stored = app.subscribers.get(sid)
        assert done["b"] is True
        # Whichever wrote first, the reader who unsubscribed is not active afterwards.
        assert stored.status == UNSUBSCRIBED, f"round {round_}: {stored.status} ({stored.reason})"


def test_a_paid_reader_who_subscribes_again_keeps_the_plan(app):
    address = "patron@example.com"
    sid = app.subscriber_ids.of(address)
    app.subscribers.put(Subscriber(sid, address, UNSUBSCRIBED, "paid", trial_end="2026-01-01"))
    assert app.subscriptions.subscribe(address).ok
    assert (app.subscribers.get(sid).status, app.subscribers.get(sid).plan) == (PENDING, "paid")
    token = make_token(app.subscriptions.options.signing_secret, CONFIRM, sid)
    assert app.subscriptions.confirm(token).ok
    stored = app.subscribers.get(sid)
    assert (stored.status, stored.plan, stored.trial_end) == (ACTIVE, "paid", "2026-01-01")
