"""The SignupCounters port's contract: the fake in tests/unit/fakes.py and the DynamoDB adapter on
the moto server pass the same tests, so the flood tests' fake cannot drift from the table.

No test here races takes against the moto server: it applies a conditional UpdateItem without a
lock, so concurrent takes can pass a limit there (seen once in CI: 6 of 20 under a limit of 5),
while DynamoDB applies each conditional write atomically. That the limit is a condition of the
write itself, not a read before it, is what the sequential tests prove on both."""

from __future__ import annotations

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
