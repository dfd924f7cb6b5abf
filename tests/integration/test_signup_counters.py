"""The SignupCounters port's contract: the fake in tests/unit/fakes.py and the DynamoDB adapter on
the moto server pass the same tests, so the flood tests' fake cannot drift from the table."""

from __future__ import annotations

import threading

import pytest

from tests.unit.fakes import FakeSignupCounters

UNTIL = 1_800_000_000


@pytest.fixture(params=["fake", "aws"])
def counters(request):
    if request.param == "fake":
        return FakeSignupCounters()
    return request.getfixturevalue("app").signup_counters


def test_a_counter_counts_up_to_its_limit_and_no_further(counters):
    assert [counters.take("mailbox#a#0", 3, UNTIL) for _ in range(5)] == [True, True, True, False, False]
    assert counters.take("mailbox#b#0", 3, UNTIL)  # another key, its own count


def test_a_use_given_back_can_be_taken_again_once(counters):
    assert counters.take("sent#s#0", 1, UNTIL) and not counters.take("sent#s#0", 1, UNTIL)
    counters.give_back("sent#s#0")
    assert counters.take("sent#s#0", 1, UNTIL) and not counters.take("sent#s#0", 1, UNTIL)


def test_giving_back_what_was_never_taken_changes_nothing(counters):
    counters.give_back("never#0")
    counters.give_back("never#0")
    assert counters.take("never#0", 1, UNTIL) and not counters.take("never#0", 1, UNTIL)


def test_concurrent_takes_never_count_past_the_limit(app):
    counters, results, lock = app.signup_counters, [], threading.Lock()

    def take() -> None:
        got = counters.take("day#all#0", 5, UNTIL)
        with lock:
            results.append(got)

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 5 and len(results) == 20
