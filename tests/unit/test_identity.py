"""digest.core.identity: canonical URLs and story ids."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from digest.core.identity import canonical_url, content_hash, normalized, story_id

PROPS = settings(max_examples=200, deadline=None)

_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
_host = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(_label, min_size=1, max_size=3),
    st.sampled_from(["com", "org", "net", "co.uk"]),
)
_segment = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~", min_size=1, max_size=12
)
_path = st.lists(_segment, max_size=4).map(lambda segs: "/" + "/".join(segs))
_key = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(
    lambda k: (
        not k.lower().startswith("utm_")
        and k.lower() not in {"fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid", "smid", "taid", "ref", "src"}
    )
)
_value = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=10)
_params = st.lists(st.tuples(_key, _value), max_size=5, unique_by=lambda kv: kv[0])
_tracking = st.lists(
    st.tuples(
        st.sampled_from(["utm_source", "utm_medium", "utm_campaign", "UTM_Content", "utm_term", "fbclid", "gclid"]),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", max_size=10),
    ),
    min_size=1,
    max_size=4,
)
_fragment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10)


def _url(scheme: str, host: str, path: str, params: list[tuple[str, str]], fragment: str = "", port: str = "") -> str:
    query = urlencode(params)
    return f"{scheme}://{host}{port}{path}" + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")


_urls = st.builds(_url, st.sampled_from(["http", "https"]), _host, _path, _params)


# --- canonical_url ------------------------------------------------------------------------


def test_canonical_url_example():
    assert (
        canonical_url("HTTPS://News.Example.com:443/a/b/?utm_source=x&id=3#top") == "https://news.example.com/a/b/?id=3"
    )


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com", "https://example.com/"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?fbclid=1&gclid=2&mc_cid=3&ref=home", "https://example.com/a"),
    ],
)
def test_canonical_url_cases(url, expected):
    assert canonical_url(url) == expected


def test_path_case_is_kept():
    # Only the host is case-insensitive; paths are not.
    assert canonical_url("https://example.com/Story/ABC") != canonical_url("https://example.com/story/abc")


def test_meaningful_query_parameters_are_kept():
    assert canonical_url("https://example.com/a?id=3") != canonical_url("https://example.com/a?id=4")
    assert canonical_url("https://example.com/a?id=3") != canonical_url("https://example.com/a")


@PROPS
@given(_urls)
def test_canonical_url_is_idempotent(url):
    once = canonical_url(url)
    assert canonical_url(once) == once


@PROPS
@given(st.sampled_from(["http", "https"]), _host, _path, _params, _tracking, st.randoms(use_true_random=False))
def test_tracking_parameters_do_not_change_the_canonical_url(scheme, host, path, params, tracking, rnd):
    mixed = params + tracking
    rnd.shuffle(mixed)
    assert canonical_url(_url(scheme, host, path, mixed)) == canonical_url(_url(scheme, host, path, params))


@PROPS
@given(_urls, _fragment)
def test_fragment_does_not_change_the_canonical_url(url, fragment):
    assert canonical_url(f"{url}#{fragment}") == canonical_url(url)


@PROPS
@given(st.sampled_from(["http", "https"]), _host, _path, _params)
def test_host_case_does_not_change_the_canonical_url(scheme, host, path, params):
    assume(host.upper() != host)
    assert canonical_url(_url(scheme.upper(), host.upper(), path, params)) == canonical_url(
        _url(scheme, host, path, params)
    )


@PROPS
@given(_host, _path, _params)
def test_default_https_port_does_not_change_the_canonical_url(host, path, params):
    assert canonical_url(_url("https", host, path, params, port=":443")) == canonical_url(
        _url("https", host, path, params)
    )


@PROPS
@given(st.sampled_from(["http", "https"]), _host, _path, _params, st.randoms(use_true_random=False))
def test_parameter_order_does_not_change_the_canonical_url(scheme, host, path, params, rnd):
    shuffled = list(params)
    rnd.shuffle(shuffled)
    assert canonical_url(_url(scheme, host, path, shuffled)) == canonical_url(_url(scheme, host, path, params))


@PROPS
@given(_urls)
def test_canonical_url_keeps_scheme_host_and_path(url):
    before, after = urlsplit(url), urlsplit(canonical_url(url))
    assert (after.scheme, after.hostname, after.path) == (before.scheme, before.hostname, before.path)
    assert after.fragment == ""


def test_canonical_url_is_idempotent_for_ipv6_hosts():
    once = canonical_url("https://[2001:db8::1]/story")
    assert canonical_url(once) == once
    assert urlsplit(once).hostname == "2001:db8::1"


# --- story_id -----------------------------------------------------------------------------


@PROPS
@given(st.text(min_size=1).filter(str.strip), st.text(" \t\r\n", max_size=4), st.text(" \t\r\n", max_size=4))
def test_story_id_is_stable_under_whitespace_around_the_guid(guid, left, right):
    assert story_id("ap", left + guid + right, None, "t", "b") == story_id("ap", guid, None, "t", "b")


@PROPS
@given(st.text(min_size=1).filter(str.strip), _urls, st.text(), st.text())
def test_story_id_with_a_guid_ignores_url_and_content(guid, url, title, body):
    assert story_id("ap", guid, url, title, body) == story_id("ap", guid, None, "other", "text")


@PROPS
@given(st.text(min_size=1).filter(str.strip))
def test_story_id_differs_between_sources_with_the_same_guid(guid):
    a, b = story_id("ap", guid, None, "t", "b"), story_id("afp", guid, None, "t", "b")
    assert a != b
    assert a.startswith("ap-") and b.startswith("afp-")


@PROPS
@given(st.text(min_size=1).filter(str.strip), st.text(min_size=1).filter(str.strip))
def test_different_guids_give_different_ids(g1, g2):
    assume(g1.strip() != g2.strip())
    assert story_id("ap", g1, None, "t", "b") != story_id("ap", g2, None, "t", "b")


@PROPS
@given(
    st.sampled_from([None, "", "   ", "\t\n"]),
    st.sampled_from(["http", "https"]),
    _host,
    _path,
    _params,
    _tracking,
    _fragment,
    st.text(),
    st.text(),
)
def test_story_id_falls_back_to_the_canonical_url(no_guid, scheme, host, path, params, tracking, fragment, title, body):
    plain = _url(scheme, host, path, params)
    tracked = _url(scheme.upper(), host.upper(), path, tracking + params, fragment)
    assert story_id("ap", no_guid, tracked, title, body) == story_id("ap", None, plain, "x", "y")


def test_story_id_from_url_differs_between_urls_and_from_a_guid_equal_to_the_url():
    a = story_id("ap", None, "https://example.com/a", "t", "b")
    assert a != story_id("ap", None, "https://example.com/b", "t", "b")
    # A guid that happens to equal a URL is a different basis than the URL itself.
    assert a != story_id("ap", "https://example.com/a", None, "t", "b")


_ws = st.text(" \t\n", min_size=1, max_size=3)


@PROPS
@given(
    st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,", min_size=1, max_size=8),
        min_size=1,
        max_size=6,
    ),
    st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,", min_size=1, max_size=8),
        min_size=1,
        max_size=6,
    ),
    _ws,
    st.sampled_from([None, "", "  "]),
    st.sampled_from([None, "", "  "]),
)
def test_story_id_falls_back_to_a_content_hash_insensitive_to_whitespace_and_case(
    title_words, body_words, ws, no_guid, no_url
):
    title, body = " ".join(title_words), " ".join(body_words)
    messy_title = ws + ws.join(w.swapcase() for w in title_words) + ws
    messy_body = ws.join(w.upper() for w in body_words) + ws
    assert story_id("ap", no_guid, no_url, messy_title, messy_body) == story_id("ap", None, None, title, body)


def test_content_fallback_distinguishes_different_content():
    a = story_id("ap", None, None, "Quake hits Lima", "A strong quake hit.")
    assert a != story_id("ap", None, None, "Quake hits Lima", "A weak quake hit.")
    assert a != story_id("ap", None, None, "Quake hits Peru", "A strong quake hit.")
    # Moving words between title and body is a different story, not the same text.
    assert story_id("ap", None, None, "a b", "c") != story_id("ap", None, None, "a", "b c")


def test_normalized_and_content_hash():
    assert normalized("  Hello \n\t WORLD  ") == "hello world"
    assert content_hash("Hello  World") == content_hash(" hello world ")
    assert content_hash("Hello World") != content_hash("Hello Word")
    assert len(content_hash("x")) == 24


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u2003\u2028\u3000"),
            st.characters(blacklist_categories=("Cs",)),
        )
    )
)
def test_normalized_collapses_exactly_what_the_regex_whitespace_class_does(text):
    # Content hashes stored before must keep matching: same normal form as re.sub(r"\s+", " ", ...).
    assert normalized(text) == re.sub(r"\s+", " ", text).strip().lower()
