"""digest.core.message.build_message (MIME, one-click headers) and digest.core.tokens."""

from __future__ import annotations

import email
import email.policy
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.core.message import Envelope, build_message
from digest.core.tokens import CONFIRM, UNSUBSCRIBE, make_token, read_token

NOW = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
UNSUB = "https://news.example.org/digest/api/unsubscribe/abc123"


def envelope(**changes) -> Envelope:
    base = dict(
        sender="Morning Digest <digest@news.example.org>",
        to="ada.reader@example.com",
        subject="Morning Digest: Quake hits Lima",
        list_id="morning-digest.news.example.org",
        unsubscribe_url=UNSUB,
        message_key="2026-11-28:sub-1",
    )
    base.update(changes)
    return Envelope(**base)


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


def raw_header(raw: bytes, name: str) -> str:
    """A header exactly as it is on the wire, unfolded (RFC 5322 2.2.3), not decoded."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    m = re.search(rf"^{re.escape(name)}:[ \t]?([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head, re.M | re.I)
    assert m, f"no {name} header"
    return re.sub(r"\r\n(?=[ \t])", "", m.group(1))


# --- build_message ------------------------------------------------------------------------


def test_message_is_multipart_alternative_text_then_html():
    raw = build_message(envelope(), "Plain text part.\n", "<p>HTML part.</p>", NOW)
    msg = parse(raw)
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert parts[0].get_content().replace("\r\n", "\n") == "Plain text part.\n"
    assert parts[1].get_content().strip() == "<p>HTML part.</p>"
    assert all(p.get_content_charset() == "utf-8" for p in parts)


def test_required_headers():
    raw = build_message(envelope(), "t", "<p>h</p>", NOW)
    msg = parse(raw)
    assert msg["From"] == "Morning Digest <digest@news.example.org>"
    assert msg["To"] == "ada.reader@example.com"
    assert msg["Subject"] == "Morning Digest: Quake hits Lima"
    assert parsedate_to_datetime(msg["Date"]) == NOW
    assert re.fullmatch(r"<[0-9a-f]{32}@news\.example\.org>", msg["Message-ID"])
    assert msg["List-Id"] == "<morning-digest.news.example.org>"
    assert msg["List-Unsubscribe"] == f"<{UNSUB}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["MIME-Version"] == "1.0"


def test_list_unsubscribe_is_an_https_url_in_angle_brackets():
    msg = parse(build_message(envelope(), "t", "<p>h</p>", NOW))
    assert re.fullmatch(r"<https://[^<>\s]+>", msg["List-Unsubscribe"])


def test_short_list_unsubscribe_is_plain_on_the_wire():
    raw = build_message(envelope(), "t", "<p>h</p>", NOW)
    assert raw_header(raw, "List-Unsubscribe") == f"<{UNSUB}>"
    assert raw_header(raw, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"


def test_long_list_unsubscribe_url_is_not_encoded_on_the_wire():
    token = make_token("signing-secret", UNSUBSCRIBE, "sub-" + "0123456789abcdef01234567")
    url = f"https://news.example.org/digest/api/unsubscribe/{token}"
    raw = build_message(envelope(unsubscribe_url=url), "t", "<p>h</p>", NOW)
    wire = raw_header(raw, "List-Unsubscribe")
    assert "=?" not in wire
    assert re.sub(r"\s+", "", wire) == f"<{url}>"


def test_same_message_key_same_message_id_and_different_key_different_id():
    a = parse(build_message(envelope(), "t", "<p>h</p>", NOW))["Message-ID"]
    again = parse(
        build_message(
            envelope(to="other@example.com", subject="Other"), "x", "<p>y</p>", datetime(2027, 1, 1, tzinfo=UTC)
        )
    )["Message-ID"]
    other = parse(build_message(envelope(message_key="2026-11-28:sub-2"), "t", "<p>h</p>", NOW))["Message-ID"]
    assert a == again
    assert a != other


def test_non_ascii_subject_and_body_survive_a_round_trip():
    subject = "Morning Digest: Café in Zürich — 東京 reports ✓"
    text = "Crème brûlée, naïve façade — 東京 ✓\nSecond line."
    html = "<p>Crème brûlée — 東京 ✓</p>"
    raw = build_message(envelope(subject=subject), text, html, NOW)
    raw.decode("ascii")  # 7-bit clean on the wire
    msg = parse(raw)
    assert msg["Subject"] == subject
    plain, rich = msg.iter_parts()
    assert plain.get_content().replace("\r\n", "\n").rstrip("\n") == text
    assert rich.get_content().replace("\r\n", "\n").strip() == html


def test_non_ascii_display_name_survives():
    raw = build_message(envelope(sender="Le Café Matin <digest@news.example.org>"), "t", "<p>h</p>", NOW)
    assert parse(raw)["From"] == "Le Café Matin <digest@news.example.org>"


def test_lines_are_at_most_998_characters():
    long_text = "word " * 2000 + "\n" + "x" * 5000
    long_html = "<p>" + "y" * 5000 + "</p>" + '<td style="' + "a" * 3000 + '">'
    raw = build_message(envelope(subject="S" * 500), long_text, long_html, NOW)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    msg = parse(raw)
    plain, rich = msg.iter_parts()
    assert plain.get_content().replace("\r\n", "\n").rstrip("\n") == long_text.rstrip("\n")
    assert rich.get_content().replace("\r\n", "\n").rstrip("\n") == long_html


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=120),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80),
)
def test_any_text_body_and_subject_round_trip(text, subject):
    raw = build_message(envelope(subject=subject), text, "<p>x</p>", NOW)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    msg = parse(raw)
    plain = next(msg.iter_parts()).get_content().replace("\r\n", "\n")
    # set_content ends the part with a newline; everything before it is the text.
    assert plain.rstrip("\n") == text.rstrip("\n")


# --- tokens -------------------------------------------------------------------------------


def test_token_round_trip():
    token = make_token("secret", UNSUBSCRIBE, "sub-123")
    assert read_token("secret", UNSUBSCRIBE, token) == "sub-123"
    assert read_token("secret", UNSUBSCRIBE, token, max_age=3600) == "sub-123"
    assert re.fullmatch(r"[A-Za-z0-9_.\-]+", token)  # URL-safe


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1), st.text(min_size=1))
def test_token_round_trip_any_id(secret, sid):
    assert read_token(secret, CONFIRM, make_token(secret, CONFIRM, sid)) == sid


def _tamper(token: str, i: int) -> str:
    c = token[i]
    return token[:i] + ("A" if c != "A" else "B") + token[i + 1 :]


def test_forged_token_is_rejected():
    token = make_token("secret", UNSUBSCRIBE, "sub-123")
    for i in range(len(token)):
        forged = _tamper(token, i)
        assert read_token("secret", UNSUBSCRIBE, forged) in (None, "sub-123")
    # Changing the payload or the signature is always caught.
    assert read_token("secret", UNSUBSCRIBE, _tamper(token, 2)) is None
    assert read_token("secret", UNSUBSCRIBE, _tamper(token, len(token) - 3)) is None


@pytest.mark.parametrize("junk", ["", "not-a-token", "a.b.c", "é", "sub-123"])
def test_junk_tokens_are_rejected(junk):
    assert read_token("secret", UNSUBSCRIBE, junk) is None


def test_token_for_another_subscriber_payload_cannot_be_spliced():
    a = make_token("secret", UNSUBSCRIBE, "sub-a")
    b = make_token("secret", UNSUBSCRIBE, "sub-b")
    spliced = b.split(".")[0] + "." + ".".join(a.split(".")[1:])
    assert read_token("secret", UNSUBSCRIBE, spliced) is None


def test_wrong_secret_is_rejected():
    token = make_token("secret", UNSUBSCRIBE, "sub-123")
    assert read_token("other-secret", UNSUBSCRIBE, token) is None


def test_wrong_purpose_is_rejected():
    unsub = make_token("secret", UNSUBSCRIBE, "sub-123")
    confirm = make_token("secret", CONFIRM, "sub-123")
    assert read_token("secret", CONFIRM, unsub) is None
    assert read_token("secret", UNSUBSCRIBE, confirm) is None
    assert read_token("secret", CONFIRM, confirm) == "sub-123"


def test_expired_token_is_rejected(monkeypatch):
    real = time.time()
    monkeypatch.setattr(time, "time", lambda: real - 8 * 24 * 3600)
    old = make_token("secret", CONFIRM, "sub-123")
    monkeypatch.setattr(time, "time", lambda: real)
    assert read_token("secret", CONFIRM, old, max_age=7 * 24 * 3600) is None
    assert read_token("secret", CONFIRM, old, max_age=9 * 24 * 3600) == "sub-123"
    assert read_token("secret", CONFIRM, old) == "sub-123"  # no max_age: never expires


def test_recent_token_within_max_age_is_accepted(monkeypatch):
    real = time.time()
    monkeypatch.setattr(time, "time", lambda: real - 60)
    recent = make_token("secret", CONFIRM, "sub-123")
    monkeypatch.setattr(time, "time", lambda: real)
    assert read_token("secret", CONFIRM, recent, max_age=3600) == "sub-123"


def test_non_string_payload_is_rejected():
    from itsdangerous import URLSafeTimedSerializer

    token = URLSafeTimedSerializer("secret", salt=UNSUBSCRIBE).dumps({"id": "sub-123"})
    assert read_token("secret", UNSUBSCRIBE, token) is None


@pytest.mark.parametrize(
    "to",
    [
        "a@example.com\r\nBcc: victim@example.net",
        "a b@example.com",
        "a@example.com, b@example.com",
        "<a@example.com>",
        "josé@example.com",
        "nobody",
    ],
)
def test_addresses_that_could_inject_headers_or_cannot_be_carried_are_refused(to):
    with pytest.raises(ValueError):
        build_message(envelope(to=to), "t", "<p>h</p>", NOW)


def test_an_international_domain_is_sent_as_punycode():
    raw = build_message(envelope(to="reader@bücher.example"), "t", "<p>h</p>", NOW)
    assert parse(raw)["To"] == "reader@xn--bcher-kva.example"


# --- a send's copies: parts encoded once, only the slot lines per recipient ------------------

SLOT = "https://slot.invalid/x"
_line_text = st.lists(st.sampled_from([*"ab .=\t\r-é—<>&", "x" * 90, SLOT, "\r\n", "\u2028"]), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    body=st.lists(_line_text, max_size=8).map("\n".join),
    url=st.sampled_from(["https://u.example/unsubscribe/a.b-c_d", "https://u.example/?a=1&b=2 x", "é=é"]),
)
def test_a_part_encoded_once_and_filled_is_the_part_personalized_then_built(body, url):
    from digest.core.message import assemble, encode_body

    personal = body.replace(SLOT, url)
    encoded = encode_body(body, slots=(SLOT,))
    filled = encoded.fill(lambda line: line.replace(SLOT, url))
    assert assemble(envelope(), filled, filled, NOW) == build_message(envelope(), personal, personal, NOW)


def test_only_lines_holding_a_slot_are_left_to_fill():
    from digest.core.message import encode_body

    encoded = encode_body("Top story\nLeave: SLOT\n\u2028tail\nMore SLOT and SLOT\n", slots=("SLOT",))
    assert encoded.slot_lines == ("Leave: SLOT\n", "More SLOT and SLOT\n")
    assert encoded.static == (b"Top story\r\n", b"=E2=80=A8tail\r\n", b"")
    assert encode_body("no slots here", slots=("SLOT",)).slot_lines == ()


# --- tokens: made here, in itsdangerous' own format -----------------------------------------


@pytest.mark.parametrize("sid", ["sub-0123456789abcdef01234567", "sub-1", "café-é", 'quote"back\\slash'])
def test_tokens_are_byte_for_byte_itsdangerous_tokens(monkeypatch, sid):
    from itsdangerous import URLSafeTimedSerializer

    monkeypatch.setattr(time, "time", lambda: 1_764_324_000.9)
    expected = URLSafeTimedSerializer("secret", salt=UNSUBSCRIBE).dumps(sid)
    assert make_token("secret", UNSUBSCRIBE, sid) == expected
    assert make_token("secret", UNSUBSCRIBE, sid, issued_at=1_764_324_000) == expected


def test_a_token_with_a_compressible_payload_is_still_read():
    sid = "a" * 300  # itsdangerous would zlib-compress this payload; uncompressed reads the same
    token = make_token("secret", UNSUBSCRIBE, sid, issued_at=int(time.time()))
    assert read_token("secret", UNSUBSCRIBE, token, max_age=60) == sid


def test_issued_at_is_what_max_age_counts_from():
    old = make_token("secret", CONFIRM, "sub-123", issued_at=int(time.time()) - 8 * 24 * 3600)
    assert read_token("secret", CONFIRM, old, max_age=7 * 24 * 3600) is None
    assert read_token("secret", CONFIRM, old, max_age=9 * 24 * 3600) == "sub-123"
