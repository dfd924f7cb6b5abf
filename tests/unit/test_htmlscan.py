"""digest.core.htmlscan: the fast reader and the standard library's parser see the same page."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from digest.core import htmlscan
from digest.core.edition import Brand, Edition, EditionStory, Link
from digest.core.htmlscan import Scan, scan
from digest.core.render import environment, render_edition, render_web

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def parsed(html: str, want_text: bool = False) -> Scan:
    """The page as the standard library's parser reads it (the reference)."""
    page = Scan(want_text)
    page.feed(html)
    page.close()
    return page


def seen(page: Scan) -> tuple:
    return page.images, page.headings, page.hrefs, page.table_roles, page.lang, page.strings


def fast(html: str) -> Scan | None:
    """The page as the fast reader reads it, or None when it hands the page to the parser."""
    page = Scan(False)
    if not htmlscan._read(html, page):
        return None
    page.close()
    return page


def story(n: int, headline: str, summary: str, links: list[Link]) -> EditionStory:
    return EditionStory(f"story-{n}", f"c{n}", headline, summary, ["Associated Press"], links)


EDITION = Edition(
    "2026-11-28",
    "Saturday, November 28, 2026",
    "Morning Digest",
    "en",
    "Quake \u00b7 Rates",
    "https://news.example.org/digest/2026-11-28/index.html",
    "https://news.example.org/digest/2026-11-28/edition.mp3",
    story(
        1,
        "Quake <kills> nine & more",
        'He said "it\'s over" \u2014 <b>not</b> &amp; then',
        [Link("AP", "https://apnews.example/1?a=1&b=2"), Link("Reuters", "http://reuters.example/1")],
    ),
    [story(2, "Rates 'cut' below zero", "Markets <!-- fell -->.", [Link("AFP", "javascript:alert(1)")])],
)


@pytest.fixture(scope="module")
def emails() -> list[str]:
    if not (TEMPLATES / "email.html.j2").is_file():
        pytest.skip(f"templates not found in {TEMPLATES}")
    env, out = environment(TEMPLATES), []
    for brand in (Brand(), Brand(logo_url="https://news.example.org/logo.png?a=1&b=2", accent_color="#ffcc00")):
        for edition in (EDITION, replace(EDITION, correction_note="Fixed <it> & more", audio_url=None)):
            rendered = render_edition(env, edition, brand)
            out += [rendered.email_html, rendered.silent_html, render_web(env, edition, brand)]
    return out


def test_rendered_emails_take_the_fast_path_and_read_the_same(emails):
    for html in emails:
        page = fast(html)
        assert page is not None  # our own markup never needs the slow parser
        assert seen(page) == seen(parsed(html))


def test_scan_with_text_reads_like_the_parser(emails):
    for html in emails:
        assert seen(scan(html, want_text=True)) == seen(parsed(html, want_text=True))


EDGES = [
    '<a href="https://x/?a=1&amp;b=2" href="https://y/">x</a>',  # the last of a repeated attribute
    "<A HREF='https://x/'>x</A><IMG SRC=a.png ALT=''><TABLE ROLE=presentation>",
    '<img src="a.png" alt><img src="b.png" alt="" role="presentation"/><img src="c.png">',
    "<!--[if mso]><table><tr><td><![endif]--><h2>after</h2><!-- <h1> -->",
    "<style>h1 { color: red }</style><h1>t</h1><script>var a = '<h2>';</script>",
    "<title>A &amp; B</title><textarea><h3></textarea>",
    '<a title="a > b" href="https://x/">x</a><a title=\'<h1>\'>y</a>',
    "<p>1 < 2</p><a href=https://x/>x</a>",
    "<a href='x'title='y'>x</a><br/><hr /><h1 / >",
    "<!----><!-- a -- b --><!DOCTYPE html><?php echo 1 ?><![CDATA[x]]>",
    "<noscript><h2>x</h2></noscript><iframe><h3></iframe><xmp><a href=x></xmp>",
    '<h1>unclosed <a href="https://x/',
    '<table\u00a0role=presentation><a\thref="https://x/"\n>',
    '<html lang="en"><html lang="fr"><h7>no</h7><h6>yes</h6><a>none</a><a href>bare</a>',
]


@pytest.mark.parametrize("html", EDGES)
def test_odd_markup_reads_like_the_parser(html):
    assert seen(scan(html)) == seen(parsed(html))
    assert seen(scan(html, want_text=True)) == seen(parsed(html, want_text=True))


_PIECES = st.sampled_from(
    [
        "<a",
        "<a ",
        "<img",
        "<table",
        "<html",
        "<h1",
        "<h2>",
        "</h2>",
        "<p>",
        "</p>",
        '<td class="x">',
        "</a>",
        ' href="https://x/"',
        " href='https://y/?a=1&amp;b=2'",
        " href=",
        "https://z/",
        " alt",
        ' alt=""',
        ' role="presentation"',
        ' lang="en"',
        " role=presentation",
        ">",
        "/>",
        " />",
        "<!--",
        "-->",
        "--",
        "<!DOCTYPE html>",
        "<style>",
        "</style>",
        "<script>",
        "</script>",
        "<title>",
        "</title>",
        "<noscript>",
        "text",
        " ",
        "\n",
        "&amp;",
        "&",
        "<",
        '"',
        "'",
        "=",
        "<![CDATA[",
        "]]>",
        "<?",
        "\u00a0",
        "H1",
        "</",
        "<br>",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
@example('<a href="x"></a><!-- <a href="y"> --><h1>')
def test_any_markup_reads_like_the_parser(html):
    assert seen(scan(html)) == seen(parsed(html))
    page = fast(html)
    if page is not None:
        assert seen(page) == seen(parsed(html))
