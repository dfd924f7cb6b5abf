"""digest.core.text: HTML to readable text, sentence splitting."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from digest.core.text import html_to_text, sentences, word_count, xml_safe

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
    assert text == "Tom & Jerry <3 \"quoted\" 's café — end…"


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
        ("Sen. Smith and Gov. Jones spoke on Nov. 27. Talks ended.", ["Sen. Smith and Gov. Jones spoke on Nov. 27.", "Talks ended."]),
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
