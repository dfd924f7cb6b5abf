"""How many confirmation emails a sign-up may cause: limits per mailbox, client address and domain,
and a daily cap for the whole list.

A sign-up form that mails whatever address it is given can be turned against a mailbox (its
owner gets a flood of confirmations) and against the sender's reputation (their bounces and
complaints count against the account). Each request is counted in fixed windows, in this order:

1. the client's network (an IPv4 address, or the /64 of an IPv6 one: one host has a whole /64),
2. the mailbox, normalised so that variants of one inbox count as one: case, ``+tags``, and the
   dots of providers that ignore them (``J.Doe+x@googlemail.com`` is ``jdoe@gmail.com``),
3. the mailbox's domain,
4. every sign-up of the day.

The first counter at its limit refuses the request, and the wider ones are not used, so a flood
from one client spends only that client's budget. A limit of 0 turns that limit off. Counter keys
carry a keyed hash of the address (never the address itself) and the window they count.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime

HOUR, DAY = 3600, 86400
# Providers that deliver "j.doe", "jdoe" and "j.d.o.e" to one inbox, and their other names.
DOT_BLIND = frozenset({"gmail.com"})
ALIASES = {"googlemail.com": "gmail.com"}
KEEP_SECONDS = HOUR  # a counter outlives its window by this much (TTL deletes within about 48 h)


@dataclass(frozen=True)
class SignupLimits:
    """Requests allowed per window: per mailbox a day, per client and per domain an hour, and a
    daily cap on all of them (0: no limit of that kind)."""

    per_mailbox: int = 3
    per_client: int = 20
    per_domain: int = 100
    daily_cap: int = 1000


@dataclass(frozen=True)
class Counter:
    """One counter a request uses: its key, its limit, and when the store may forget it (epoch s)."""

    scope: str
    key: str
    limit: int
    expires_at: int


def mailbox(address: str) -> str:
    """The inbox an address delivers to, as far as the domain's known rules tell.

    Examples
    --------
    >>> mailbox("J.Doe+news@GoogleMail.com")
    'jdoe@gmail.com'
    >>> mailbox("j.doe+1@example.org")
    'j.doe@example.org'
    """
    local, _, domain = address.strip().lower().rpartition("@")
    domain = ALIASES.get(domain, domain)
    local = local.split("+", 1)[0]
    if domain in DOT_BLIND:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def client_network(source_ip: str) -> str:
    """The client a request is counted against: the IPv4 address, the /64 of an IPv6 address, or
    ``unknown`` when there is none (all such requests share one budget).

    Examples
    --------
    >>> client_network("203.0.113.7"), client_network("2001:db8:1:2:3:4:5:6"), client_network("")
    ('203.0.113.7', '2001:db8:1:2::/64', 'unknown')
    """
    try:
        ip = ipaddress.ip_address(source_ip.strip())
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def counters(address: str, source_ip: str, now: datetime, limits: SignupLimits, secret: str) -> list[Counter]:
    """The counters one sign-up request uses, in the order they are taken (limits of 0 left out).

    Examples
    --------
    >>> from datetime import UTC
    >>> at = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)
    >>> [c.scope for c in counters("a+1@gmail.com", "203.0.113.7", at, SignupLimits(), "k")]
    ['client', 'mailbox', 'domain', 'day']
    >>> one = counters("a.b+1@gmail.com", "", at, SignupLimits(), "k")[1]
    >>> one == counters("ab+2@googlemail.com", "", at, SignupLimits(), "k")[1]
    True
    >>> one.expires_at - int(at.timestamp()) <= DAY + KEEP_SECONDS
    True
    """
    box = mailbox(address)
    wanted = (
        ("client", client_network(source_ip), limits.per_client, HOUR),
        ("mailbox", box, limits.per_mailbox, DAY),
        ("domain", box.rpartition("@")[2], limits.per_domain, HOUR),
        ("day", "all", limits.daily_cap, DAY),
    )
    epoch = int(now.timestamp())
    found = []
    for scope, value, limit, window in wanted:
        if limit <= 0:
            continue
        start = epoch - epoch % window
        key = f"{scope}#{_keyed(secret, f'{scope}:{value}')}#{start}"
        found.append(Counter(scope, key, limit, start + window + KEEP_SECONDS))
    return found


def sent_marker(subscriber_id: str, now: datetime, minutes: int = 10, occasion: str = "") -> Counter:
    """The one-use counter that lets one confirmation go to an address per ``minutes`` window, or,
    with ``occasion`` (a reader's own request to come back, named by the time it was made), one for
    that occasion (a redelivered message finds it used).

    Examples
    --------
    >>> from datetime import UTC
    >>> m = sent_marker("sub-1", datetime(2026, 12, 2, 8, 31, tzinfo=UTC))
    >>> (m.scope, m.limit, m.key)
    ('sent', 1, 'sent#sub-1#1796200200')
    >>> sent_marker("sub-1", datetime(2026, 12, 2, 8, 31, tzinfo=UTC), occasion="2026-12-02T08:30").key
    'sent#sub-1#again#2026-12-02T08:30'
    """
    window = minutes * 60
    epoch = int(now.timestamp())
    start = epoch - epoch % window
    if occasion:
        return Counter("sent", f"sent#{subscriber_id}#again#{occasion}", 1, epoch + DAY + KEEP_SECONDS)
    return Counter("sent", f"sent#{subscriber_id}#{start}", 1, start + window + KEEP_SECONDS)


def _keyed(secret: str, value: str) -> str:
    return hmac.new(secret.encode("utf-8"), value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
