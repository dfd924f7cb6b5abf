"""digest.core.text: HTML to readable text, sentence splitting."""

from __future__ import annotations

import re
from html.entities import html5

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.core.html_text import _lines, _plain_markup_text, _visible_text, html_to_text
from digest.core.text import sentences, word_count, xml_safe

# bs4 warns when arbitrary text looks like a file name or URL; that is the input these tests want.
pytestmark = pytest.mark.filterwarnings("ignore::bs4.MarkupResemblesLocatorWarning")

# --- html_to_text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html, hidden",
    [
        ("<p>Talks resumed.</p><script>alert('x')</script>", "alert"),
        ("<p>Talks resumed.</p><SCRIPT type='text/javascript'>var leak = 1;</SCRIPT>", "leak"),
        ("<style>p { color: red; }</style><p>Talks resumed.</p>", "color"),
        ("<noscript><p>Please enable JavaScript</p></noscript><p>Talks resumed.</p>", "JavaScript"),
        ("<template><p>Hidden template</p></template><p>Talks resumed.</p>", "Hidden"),
        ("<iframe>Iframe fallback</iframe><p>Talks resumed.</p>", "Iframe"),
        ("<svg><script>alert(3)</script></svg><p>Talks resumed.</p>", "alert"),
        ("<p>Talks resumed.</p><script>alert('unterminated')", "alert"),
    ],
)
def test_invisible_elements_are_removed(html, hidden):
    text = html_to_text(html)
    assert "Talks resumed." in text
    assert hidden not in text


def test_paragraph_breaks_are_kept_as_lines():
    html = "<p>First paragraph.</p><p>Second  paragraph.</p><div>Third</div><ul><li>Four</li><li>Five</li></ul>"
    assert html_to_text(html).split("\n") == [
        "First paragraph.",
        "Second paragraph.",
        "Third",
        "Four",
        "Five",
    ]


def test_br_breaks_a_line_and_inline_tags_do_not():
    assert html_to_text("<p>One<br>Two <b>bold</b> <i>words</i></p>") == "One\nTwo bold words"


def test_blank_lines_and_runs_of_spaces_collapse():
    html = "<p>  a \t\u00a0 b  </p>\n\n\n<p></p><p>c</p>"
    assert html_to_text(html) == "a b\nc"


def test_entities_are_decoded():
    text = html_to_text("<p>Tom &amp; Jerry &lt;3 &quot;quoted&quot; &#39;s caf&eacute; &#8212; end&hellip;</p>")
    assert text == 'Tom & Jerry <3 "quoted" \'s café — end…'


def test_double_escaped_entities_are_decoded_only_once():
    assert html_to_text("AT&amp;amp;T") == "AT&amp;T"


@pytest.mark.parametrize("empty", ["", None, "   ", "<p></p>", "<script>x</script>", "<!-- only a comment -->"])
def test_empty_input_gives_empty_text(empty):
    assert html_to_text(empty) == ""


def test_event_handlers_do_not_leak_into_text():
    html = (
        '<p onclick="alert(1)" onmouseover="steal()">Visible text</p>'
        '<img src="x" onerror="alert(2)" alt="">'
        '<body onload="alert(3)"><div style="background:url(javascript:alert(4))">More</div></body>'
    )
    text = html_to_text(html)
    assert text == "Visible text\nMore"
    assert "alert" not in text and "onerror" not in text and "steal" not in text


def test_javascript_link_keeps_its_text_but_not_its_url():
    text = html_to_text('<p>See <a href="javascript:alert(document.cookie)" onclick="x()">the full story</a>.</p>')
    assert text == "See the full story."
    assert "javascript:" not in text
    assert "cookie" not in text


def test_ordinary_link_url_does_not_appear():
    text = html_to_text('<p><a href="https://tracker.example/?id=1">Read more</a></p>')
    assert text == "Read more"


def test_comments_and_processing_instructions_are_dropped():
    assert html_to_text("<p>a<!-- alert(1) -->b<?php evil() ?>c</p>") == "abc"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_html_to_text_never_raises_and_has_no_blank_or_padded_lines(raw):
    text = html_to_text(raw)
    for line in text.split("\n") if text else []:
        assert line
        assert line == line.strip()
        assert "  " not in line


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="<>&", blacklist_categories=("Cs",))))
def test_plain_text_keeps_every_word(raw):
    # Text without markup only has its whitespace normalized (and characters XML forbids dropped).
    assert html_to_text(raw).split() == xml_safe(raw).replace("\u00a0", " ").split()


# --- the tree-free reading of plain markup gives bs4's text --------------------------------


def _by_tree(markup: str) -> str:
    """What html_to_text gives when bs4 builds the tree (the path for markup outside the plain set)."""
    return _lines(xml_safe(_visible_text(BeautifulSoup(xml_safe(markup), "html.parser"))))


_TAGS = [
    "p",
    "P",
    "div",
    "br",
    "li",
    "ul",
    "h2",
    "blockquote",
    "tr",
    "td",
    "a",
    "b",
    "em",
    "span",
    "hr",
    "img",
    "wbr",
    "script",
    "style",
    "noscript",
    "pre",
    "rt",
    "head",
    "x-y",
]
_ATTRS = [
    "",
    ' href="https://x.example/?a=1&amp;b=2"',
    " class='lede'",
    " id=top",
    ' onclick="go()"',
    " /",
    ' title="a>b"',
    "\nhidden",
]
_PIECES = st.one_of(
    st.builds(lambda t, a: f"<{t}{a}>", st.sampled_from(_TAGS), st.sampled_from(_ATTRS)),
    st.builds(lambda t, tail: f"</{t}{tail}>", st.sampled_from(_TAGS), st.sampled_from(["", " ", " x"])),
    st.sampled_from(
        [
            "&amp;",
            "&lt;",
            "&nbsp;",
            "&eacute;",
            "&hellip;",
            "&AMP;",
            "&amp",
            "&T",
            "&#39;",
            "&#8212;",
            "&#x41;",
            "&#150;",
            "&#0;",
            "&#1114112;",
            "&#55296;",
            "&#10;",
            "&",
            "&#",
            "<",
            "</ p>",
            "<!-- c -->",
            "<?pi?>",
            "<![CDATA[x]]>",
            "</script x>",
            "var s = '<b>';",
        ]
    ),
    st.sampled_from(["Talks", "resumed.", " ", "  ", "\n", "\t", "\u00a0", "\r\n", ">", "=", '"', "\x0b"]),
    st.text(max_size=4),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_plain_markup_path_reads_like_the_tree(markup):
    plain = _plain_markup_text(xml_safe(markup))
    if plain is not None:
        assert _lines(xml_safe(plain)) == _by_tree(markup)
    assert html_to_text(markup) == _by_tree(markup)


@pytest.mark.parametrize("form", ["a&{}b", "<p>x &{}; y</p>"])
def test_every_named_reference_reads_like_the_tree(form):
    for name in html5:
        markup = form.format(name)
        assert html_to_text(markup) == _by_tree(markup), name


def test_numeric_references_read_like_the_tree():
    for code in [
        *range(0x101),
        *range(0xD7F0, 0xD810),
        *range(0xDFF0, 0xE010),
        *range(0xFDC0, 0xFE00),
        *range(0xFFF0, 0x10010),
        0x1F600,
        0x10FFFF,
        0x110000,
    ]:
        for markup in (f"a&#{code};b", f"<b>&#x{code:X};</b>"):
            assert html_to_text(markup) == _by_tree(markup), markup


@pytest.mark.parametrize(
    "markup",
    [
        "<p>Lede.</p><script type='text/javascript'>alert('<b>')</script><p>Body.</p>",
        "<style>p { color: red; }</style><p>Lede.</p><SCRIPT>x()</SCRIPT ><p>Body.</p>",
        "<p>Lede.</p><script>document.write('</p>')</script><p>Body.</p>",
        "<p>Lede.</p><script>unterminated",
        "<p>Lede.<p>Nested <b>bold</p> after</b> tail<li>item",
    ],
)
def test_scripts_styles_and_unclosed_tags_read_like_the_tree(markup):
    assert html_to_text(markup) == _by_tree(markup)
    assert "alert" not in html_to_text(markup) and "color" not in html_to_text(markup)


def test_plain_markup_path_is_taken_for_everyday_feed_markup():
    markup = (
        '<p class="lede">SEATTLE (Reuters) - Shares <a href="https://x.example/a?b=1">rose</a> 4.2%'
        "&nbsp;&mdash; the most since May.</p><script>track()</script><p>Analysts<br/>agreed.</p>"
    )
    assert _plain_markup_text(markup) is not None
    assert html_to_text(markup) == "SEATTLE (Reuters) - Shares rose 4.2% \u2014 the most since May.\nAnalysts\nagreed."


# --- sentences ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Lee spoke. Markets rose 2.5 percent! Why?", ["Mr. Lee spoke.", "Markets rose 2.5 percent!", "Why?"]),
        ("Mrs. Ortiz met Dr. Chen. They agreed.", ["Mrs. Ortiz met Dr. Chen.", "They agreed."]),
        (
            "The U.S. Senate voted. The U.N. agency and the U.K. government objected.",
            ["The U.S. Senate voted.", "The U.N. agency and the U.K. government objected."],
        ),
        (
            "Sen. Smith and Gov. Jones spoke on Nov. 27. Talks ended.",
            ["Sen. Smith and Gov. Jones spoke on Nov. 27.", "Talks ended."],
        ),
        ("Inflation hit 3.5%. Shares fell 0.25 points.", ["Inflation hit 3.5%.", "Shares fell 0.25 points."]),
        ("Is it over? Not yet! Markets wait.", ["Is it over?", "Not yet!", "Markets wait."]),
        ('"We will win." The crowd cheered.', ['"We will win."', "The crowd cheered."]),
        ('"Is it true?" she asked. He nodded.', ['"Is it true?" she asked.', "He nodded."]),
        ('He shouted "Stop!" Then he ran.', ['He shouted "Stop!"', "Then he ran."]),
        ("He said \u201cwe will win.\u201d Then he left.", ["He said \u201cwe will win.\u201d", "Then he left."]),
        ("(The meeting ended.) They left.", ["(The meeting ended.)", "They left."]),
        ("Rates rose. \u201cIt hurts,\u201d she said.", ["Rates rose.", "\u201cIt hurts,\u201d she said."]),
        ("About 3,000 people fled. 1,200 returned.", ["About 3,000 people fled.", "1,200 returned."]),
        ("the end. lower case does not start a sentence.", ["the end. lower case does not start a sentence."]),
    ],
)
def test_sentences(text, expected):
    assert sentences(text) == expected


def test_sentences_never_cross_a_paragraph_break():
    assert sentences("First line without stop\nSecond line. Third") == [
        "First line without stop",
        "Second line.",
        "Third",
    ]


@pytest.mark.parametrize("blank", ["", "   ", "\n\n", " \n \t "])
def test_sentences_of_blank_text_is_empty(blank):
    assert sentences(blank) == []


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_sentences_lose_no_characters(text):
    parts = sentences(text)
    assert all(p and p == p.strip() for p in parts)
    squash = re.compile(r"\s+")
    assert squash.sub("", "".join(parts)) == squash.sub("", text)


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8)
_sentence = st.builds(
    lambda first, rest, end: " ".join([first.capitalize(), *rest]) + end,
    _word,
    st.lists(_word, min_size=1, max_size=8),
    st.sampled_from([".", "!", "?"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_sentence, min_size=1, max_size=8))
def test_sentences_recovers_simple_sentences(parts):
    assert sentences(" ".join(parts)) == parts


@pytest.mark.parametrize("text, n", [("", 0), ("one", 1), (" two  words\n", 2), ("a b\tc\nd", 4)])
def test_word_count(text, n):
    assert word_count(text) == n
