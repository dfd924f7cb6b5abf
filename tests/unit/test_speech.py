"""digest.core.speech: SSML split at story marks (real template), Polly speech marks, billing."""

from __future__ import annotations

import doctest
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from digest.core import speech
from digest.core.edition import Brand, Edition, EditionStory, Link
from digest.core.render import environment
from digest.core.speech import (
    POLLY_ASYNC_LIMIT,
    Segment,
    billed_characters,
    chapters_from_marks,
    first_sentence,
    fits_one_task,
    polly_cost,
    split_ssml,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HOSTILE = "<script>alert(\"x\")</script> & 'co' ]]> <![CDATA[ x ]]> &amp;"


def edition_story(rank: int, headline: str, summary: str) -> EditionStory:
    return EditionStory(
        f"story-{rank}",
        f"c{rank}",
        headline,
        summary,
        ["Associated Press"],
        [Link("Associated Press", f"https://ap.example/{rank}")],
    )


def render_ssml(stories: list[tuple[str, str]]) -> str:
    chosen = [edition_story(i, h, s) for i, (h, s) in enumerate(stories, start=1)]
    edition = Edition(
        date="2026-11-28",
        date_label="Saturday, November 28, 2026",
        title="Morning Digest",
        lang="en",
        preheader="",
        web_url="https://news.example.org/digest/2026-11-28/index.html",
        audio_url=None,
        lead=chosen[0],
        stories=chosen[1:],
    )
    env = environment(TEMPLATES)
    return env.get_template("edition.ssml.j2").render(edition=edition, brand=Brand(), recipient=None)


STORIES = [
    ("Strong earthquake strikes Lima, Peru", "A strong earthquake struck Lima on Friday. Rescuers searched homes."),
    ("Swiss central bank cuts rates below zero", "The Swiss National Bank cut rates below zero. Markets fell."),
    ("AT&T and Tom's shop merge", 'AT&T said it would buy Tom\'s shop. The deal is "final".'),
]


@pytest.fixture(scope="module")
def ssml() -> str:
    return render_ssml(STORIES)


def text_of(segment: Segment) -> str:
    return "".join(ET.fromstring(segment.ssml).itertext())


# --- split_ssml ---------------------------------------------------------------------------


def test_split_gives_intro_then_one_segment_per_story(ssml):
    segments = split_ssml(ssml)
    assert [s.anchor for s in segments] == ["intro", "story-1", "story-2", "story-3"]
    for segment in segments:
        root = ET.fromstring(segment.ssml)
        assert root.tag == "speak"
        assert {el.tag for el in root.iter()} <= {"speak", "p", "s", "break", "mark"}
    assert "Here is the edition for Saturday, November 28, 2026." in text_of(segments[0])
    assert ET.fromstring(segments[1].ssml)[0].attrib == {"name": "story-1"}


def test_each_story_segment_holds_its_story_and_the_sign_off_stays_in_the_last(ssml):
    segments = split_ssml(ssml)
    for (headline, summary), segment in zip(STORIES, segments[1:]):
        assert headline in text_of(segment) and summary in text_of(segment)
        assert first_sentence(segment.ssml) == headline
    assert "Thanks for listening" in text_of(segments[-1])
    assert all("Thanks for listening" not in text_of(s) for s in segments[:-1])


def test_split_keeps_all_the_text_in_order(ssml):
    whole = "".join(ET.fromstring(ssml).itertext())
    assert "".join(text_of(s) for s in split_ssml(ssml)) == whole


def test_hostile_story_text_survives_escaped():
    ssml = render_ssml([(HOSTILE, f"Body mentions {HOSTILE} too.")])
    segments = split_ssml(ssml)
    assert [s.anchor for s in segments] == ["intro", "story-1"]
    story = segments[1]
    assert "<script>" not in story.ssml and "&lt;script&gt;" in story.ssml
    assert "]]>" not in story.ssml and "<![CDATA[" not in story.ssml
    assert "&amp;amp;" in story.ssml  # the literal "&amp;" in the text stays text
    assert first_sentence(story.ssml) == " ".join(HOSTILE.split())
    assert f"Body mentions {HOSTILE} too." in text_of(story)


def test_split_without_marks_is_one_intro_segment():
    assert split_ssml("<speak><p><s>Hello.</s></p></speak>") == [
        Segment("intro", "<speak><p><s>Hello.</s></p></speak>")
    ]


def test_split_skips_an_empty_intro_and_ignores_nested_marks():
    segments = split_ssml('<speak> <mark name="a"/><p>One <mark name="x"/>two</p><mark name="b"/>Three</speak>')
    assert [s.anchor for s in segments] == ["a", "b"]
    assert segments[1].ssml == '<speak><mark name="b" />Three</speak>'


def test_split_keeps_the_ssml_namespace_and_attributes():
    ssml = (
        '<speak xmlns="http://www.w3.org/2001/10/synthesis" version="1.1" xml:lang="en-US">'
        '<p>Hi</p><mark name="story-1"/><p>Story</p></speak>'
    )
    segments = split_ssml(ssml)
    assert [s.anchor for s in segments] == ["intro", "story-1"]
    root = ET.fromstring(segments[1].ssml)
    assert root.tag == "{http://www.w3.org/2001/10/synthesis}speak"
    assert root.get("version") == "1.1" and root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"
    assert "ns0:" not in segments[1].ssml


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "not xml",
        "<speak><p>unclosed</speak>",
        "<html><p>x</p></html>",
        '<!DOCTYPE speak [<!ENTITY e "boom">]><speak>&e;</speak>',
        '<?xml version="1.0"?><!DOCTYPE speak><speak><p>x</p></speak>',
        '<speak><!ENTITY x "y"><p>x</p></speak>',
        None,
    ],
)
def test_split_refuses_odd_input_with_an_empty_list(bad):
    assert split_ssml(bad) == []


def xml_legal(char: str) -> bool:
    """The XML 1.0 Char production."""
    code = ord(char)
    return char in "\t\n\r" or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


xml_text = st.text(alphabet=st.characters(codec="utf-8").filter(xml_legal), max_size=80)


@settings(max_examples=150, deadline=None)
@given(headline=xml_text, summary=xml_text)
@example(headline=HOSTILE, summary="]]>&<\r\n\t'\"")
def test_every_segment_parses_for_any_story_text(headline, summary):
    ssml = render_ssml([(headline, summary), ("Second story", summary)])
    segments = split_ssml(ssml)
    assert [s.anchor for s in segments] == ["intro", "story-1", "story-2"]
    for segment in segments:
        assert ET.fromstring(segment.ssml).tag == "speak"
    assert " ".join(headline.split()) == first_sentence(segments[1].ssml)


# --- chapters_from_marks ------------------------------------------------------------------

MARKS = """\
{"time":0,"type":"sentence","start":9,"end":24,"value":"Morning Digest."}
{"time":6,"type":"word","start":9,"end":16,"value":"Morning"}
{"time":11890,"type":"ssml","start":221,"end":246,"value":"story-2"}
{"time":1812,"type":"ssml","start":205,"end":235,"value":"story-1"}
this is not json
{"time":1812,"type":"sentence","start":240,"end":280,"value":"Strong earthquake strikes Lima, Peru"}

[1, 2, 3]
{"time":"soon","type":"ssml","value":"story-9"}
{"time":2000,"type":"ssml","value":7}
{"time":-5,"type":"ssml","value":"story-0"}
{"time":20544,"type":"ssml","start":530,"end":555,"value":"story-3"}
{"time":20600,"type":"viseme","value":"p"}
"""


def test_chapters_from_marks_keeps_ssml_marks_in_time_order():
    expected = [("story-1", 1.812), ("story-2", 11.89), ("story-3", 20.544)]
    assert chapters_from_marks(MARKS) == expected
    assert chapters_from_marks(MARKS.encode("utf-8")) == expected


@pytest.mark.parametrize("odd", ["", b"", "\n\n", b"\xff\xfe{", "null", None])
def test_chapters_from_marks_with_nothing_usable_is_empty(odd):
    assert chapters_from_marks(odd) == []


# --- billing ------------------------------------------------------------------------------


def test_billed_characters_count_text_not_tags():
    assert billed_characters('<speak><p><s>AT&amp;T</s></p><break time="1s"/><mark name="story-1"/></speak>') == 4
    assert billed_characters("<speak>&lt;&#34;&#x41;</speak>") == 3


def test_billed_characters_of_the_template(ssml):
    assert billed_characters(ssml) == len("".join(ET.fromstring(ssml).itertext()))
    assert billed_characters(ssml) < len(ssml)


def test_billed_characters_of_malformed_input_strips_tags():
    assert billed_characters("<speak><p>AT&amp;T") == 4
    assert billed_characters(None) == 0


@pytest.mark.parametrize(
    "engine, price", [("standard", 4.0), ("neural", 16.0), ("long-form", 100.0), ("generative", 30.0)]
)
def test_polly_cost_per_engine(engine, price):
    assert polly_cost(1_000_000, engine) == price
    assert math.isclose(polly_cost(2_500, engine), price * 0.0025)
    assert polly_cost(0, engine) == 0.0 and polly_cost(-5, engine) == 0.0


def test_polly_cost_of_an_unknown_engine_is_a_bug():
    with pytest.raises(ValueError, match="turbo"):
        polly_cost(10, "turbo")


def test_fits_one_task():
    assert fits_one_task(render_ssml(STORIES))
    assert fits_one_task("<speak>" + "a" * POLLY_ASYNC_LIMIT + "</speak>")
    assert not fits_one_task("<speak>" + "a" * (POLLY_ASYNC_LIMIT + 1) + "</speak>")
    # Tags are free but count towards the 200,000 total characters.
    assert not fits_one_task("<speak>" + '<break time="1s"/>' * 12_000 + "</speak>")


def test_doctests_pass():
    assert doctest.testmod(speech).failed == 0
