"""Ingest under every fault: each source on its own, a time budget, concurrent fetches, only web
URLs stored, withdrawals from stored state, dispatch refusing withdrawn stories, and random fault
schedules (``tests/unit/ingest_schedules.py``) whose invariants hold after every step."""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.core.edition_record import EditionRecord
from digest.core.fetch import Fetched
from digest.core.story import CANCELED, Source
from digest.services.ingest import FAILED, FETCHED, SKIPPED, IngestLimits, ingest
from digest.services.withdraw import withdraw_recent
from tests.unit.fakes import FakeClock, FakeEditionStore, FakeFeedState, FakeStoryStore
from tests.unit.ingest_schedules import FAULTS, SOURCES, as_test, generate, replay

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _quiet():
    """A failed source is logged with its traceback; hundreds of schedules need not print them."""
    logging.disable(logging.ERROR)
    yield
    logging.disable(logging.NOTSET)


def rss(*links: str) -> bytes:
    items = "".join(
        f"<item><guid>g-{n}</guid><title>Story {n}</title><link>{link}</link>"
        f"<pubDate>Sat, 28 Nov 2026 04:00:00 +0000</pubDate><description>Text {n}.</description></item>"
        for n, link in enumerate(links)
    )
    return f"<rss version='2.0'><channel><title>W</title>{items}</channel></rss>".encode()


class Feeds:
    """A fetcher over a dict: bytes, a Fetched, or an exception to raise, per URL."""

    def __init__(self, answers: dict[str, object], on_fetch=None) -> None:
        self.answers, self.on_fetch, self.urls = answers, on_fetch, []

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        self.urls.append(url)
        if self.on_fetch:
            self.on_fetch(url)
        answer = self.answers[url]
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, Fetched) else Fetched(url, 200, answer)


def sources(*keys: str) -> list[Source]:
    return [Source(k, k.upper(), k.upper(), f"https://{k}.example/feed", format="rss") for k in keys]


def run(feeds: Feeds, keys=("a", "b", "c"), **kwargs):
    store = FakeStoryStore()
    report = ingest(
        sources(*keys),
        fetcher=feeds,
        stories=store,
        feed_state=FakeFeedState(),
        clock=FakeClock(NOW),
        force=True,
        **kwargs,
    )
    return report, store


# Defect 5: any exception in one source is that source's problem.


def test_a_source_whose_fetch_raises_is_recorded_and_the_others_are_stored():
    # Before: a ValueError (a redirect to http://host:99999/) escaped and ended the whole run.
    feeds = Feeds(
        {
            "https://a.example/feed": rss("https://a.example/1"),
            "https://b.example/feed": ValueError("Port out of range 0-65535"),
            "https://c.example/feed": rss("https://c.example/1"),
        }
    )
    report, store = run(feeds)
    assert [(o.source, o.outcome) for o in report.outcomes] == [("a", FETCHED), ("b", FAILED), ("c", FETCHED)]
    assert [(p.source, p.kind) for p in report.problems] == [("b", "error")]
    assert "Port out of range" in report.outcomes[1].detail and len(store.stories) == 2


def test_a_parser_that_raises_fails_only_its_source():
    def parse(data, source, now):
        if source.key == "a":
            raise RuntimeError("parser bug")
        from digest.core.wire import parse_wire

        return parse_wire(data, source, now)

    feeds = Feeds({f"https://{k}.example/feed": rss(f"https://{k}.example/1") for k in "ab"})
    report, store = run(feeds, keys=("a", "b"), parse=parse)
    assert [o.outcome for o in report.outcomes] == [FAILED, FETCHED] and len(store.stories) == 1


# Defect 6: a time budget per run, sources fetched concurrently.


def test_sources_not_started_within_the_budget_are_skipped_for_lack_of_time():
    clock = {"now": 0.0}

    def slow(url):
        clock["now"] += 100.0  # each fetch uses 100 s of a 150 s budget

    feeds = Feeds({f"https://{k}.example/feed": rss(f"https://{k}.example/1") for k in "abc"}, on_fetch=slow)
    report, _ = run(feeds, limits=IngestLimits(seconds=150, workers=1), monotonic=lambda: clock["now"])
    assert [o.outcome for o in report.outcomes] == [FETCHED, FETCHED, SKIPPED]
    assert feeds.urls == ["https://a.example/feed", "https://b.example/feed"]
    assert [(p.source, p.kind) for p in report.problems] == [("c", "time")]
    assert "time budget of 150 s" in report.outcomes[2].detail


def test_sources_are_fetched_concurrently_in_a_bounded_pool_and_reported_in_order():
    lock, state = threading.Lock(), {"now": 0, "most": 0}
    both = threading.Barrier(2, timeout=5)  # passes only when two fetches are in flight together

    def overlapping(url):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        both.wait()
        with lock:
            state["now"] -= 1

    keys = ("a", "b", "c", "d")
    feeds = Feeds({f"https://{k}.example/feed": rss(f"https://{k}.example/1") for k in keys}, on_fetch=overlapping)
    report, store = run(feeds, keys=keys, limits=IngestLimits(workers=2))
    assert [o.source for o in report.outcomes] == list(keys) and {o.outcome for o in report.outcomes} == {FETCHED}
    assert state["most"] == 2 and len(store.stories) == 4


# Defect 11: only http(s) URLs are stored.


def test_a_javascript_or_relative_story_url_is_not_stored_and_is_a_problem():
    # Before: javascript:alert(document.cookie) was stored as the story's canonical URL.
    feeds = Feeds(
        {"https://a.example/feed": rss("javascript:alert(document.cookie)", "/relative/junk", "https://a.example/ok")}
    )
    report, store = run(feeds, keys=("a",))
    assert sorted(s.url for s in store.stories.values()) == ["", "", "https://a.example/ok"]
    bad = [p for p in report.problems if p.kind == "bad-url"]
    assert len(bad) == 2 and "javascript:alert" in bad[0].detail and "/relative/junk" in bad[1].detail


# Defect 5: withdrawals from stored state, and dispatch refuses withdrawn stories.


def _edition(store: FakeStoryStore, status: str = "draft") -> FakeEditionStore:
    editions = FakeEditionStore()
    ids = tuple(sorted(store.stories))
    editions.add(EditionRecord("2026-11-28", 1, "h", status, len(ids), "D", NOW.isoformat(), story_ids=ids))
    return editions


def test_a_cancel_stored_by_a_run_that_then_died_is_withdrawn_by_the_next_run():
    # Before: withdrawals came only from the run that stored the cancel (report.withdrawn).
    feeds = Feeds({"https://a.example/feed": rss("https://a.example/1", "https://a.example/2")})
    _, store = run(feeds, keys=("a",))
    editions = _edition(store)
    killed = sorted(store.stories)[0]
    store.save(replace(store.get(killed), version=2, status=CANCELED, content_hash="k"))  # then the run died
    rebuilt: list[str] = []
    days = withdraw_recent(
        [], date(2026, 11, 28), editions=editions, rebuild=lambda d, n: rebuilt.append(d), stories=store
    )
    assert days == rebuilt == ["2026-11-28"]


class _Queue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, bodies) -> int:
        self.bodies.extend(bodies)
        return len(self.bodies)


def test_dispatch_holds_an_edition_that_holds_a_withdrawn_story():
    from digest.services.dispatch import DispatchOptions, dispatch
    from tests.unit.fakes import FakeBlobStore, FakeSubscriberStore

    feeds = Feeds({"https://a.example/feed": rss("https://a.example/1", "https://a.example/2")})
    _, store = run(feeds, keys=("a",))
    killed = sorted(store.stories)[0]
    for status in ("draft", "sending"):
        editions = _edition(store, status)
        store.save(replace(store.get(killed), version=2, status=CANCELED, content_hash="k"))
        queue = _Queue()

        result = dispatch(
            "2026-11-28",
            editions=editions,
            subscribers=FakeSubscriberStore(),
            queue=queue,
            blobs=FakeBlobStore(),
            options=DispatchOptions(require_approval=False),
            now=NOW,
            stories=store,
        )
        assert queue.bodies == [] and killed in result.reason and "withdrawn" in result.reason
        latest = editions.latest("2026-11-28")
        assert latest.status == ("held" if status == "draft" else "sending")
        assert status == "sending" or killed in latest.reason


# Random fault schedules (issue 13): a withdrawn story never reaches a sent edition, and a newer
# version is never overwritten by an older one.


def test_a_crash_between_storing_a_cancel_and_the_withdrawal_never_lets_the_story_out():
    steps = [
        ("publish", "a"),
        ("publish", "a"),
        ("ingest", ""),
        ("assemble",),
        ("withdraw", "a", 0, False),
        ("ingest", "before-withdraw"),  # the cancel is stored, the process dies
        ("ingest", ""),  # the next run sees the cancel as "same"
        ("dispatch",),
    ]
    assert replay(steps) == []


def test_a_kill_at_the_same_version_survives_a_stale_mirror():
    steps = [
        ("publish", "a"),
        ("ingest", ""),
        ("withdraw", "a", 0, True),  # the kill keeps the version number
        ("ingest", ""),
        ("fault", "a", "stale"),  # a redirect to a mirror that still has the live copy
        ("ingest", ""),
        ("assemble",),
        ("dispatch",),
    ]
    assert replay(steps) == []


def test_a_killed_process_inside_the_store_or_before_the_feed_state_loses_nothing():
    steps = [("publish", "a"), ("publish", "b"), ("ingest", ""), ("assemble",)]
    for crash in ("crash-in-store", "crash-after-store", "crash-before-state"):
        steps += [("withdraw", "a", 0, False), ("fault", "a", crash), ("ingest", ""), ("ingest", "")]
    assert replay([*steps, ("dispatch",)]) == []


_steps = st.one_of(
    st.tuples(st.just("publish"), st.sampled_from(SOURCES)),
    st.tuples(st.just("correct"), st.sampled_from(SOURCES), st.integers(0, 3)),
    st.tuples(st.just("withdraw"), st.sampled_from(SOURCES), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("fault"), st.sampled_from(SOURCES), st.sampled_from(FAULTS)),
    st.tuples(st.just("ingest"), st.sampled_from(["", "before-withdraw", "in-rebuild"])),
    st.tuples(st.just("assemble")),
    st.tuples(st.just("release")),
    st.tuples(st.just("dispatch")),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_steps, min_size=4, max_size=30))
def test_random_fault_schedules_keep_the_invariants(steps):
    schedule = [("publish", src) for src in SOURCES] + steps
    violations = replay(schedule)
    assert violations == [], as_test(schedule)


def test_a_hundred_seeded_schedules_keep_the_invariants():
    for seed in range(100):
        steps = generate(random.Random(seed))
        assert replay(steps) == [], f"seed {seed}:\n{as_test(steps)}"
