"""digest.core.render with the real templates: escaping, structure, recipient slots, SSML validity."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from digest.core.cluster import cluster
from digest.core.edition import Brand, Edition, Link
from digest.core.ranking import plan_edition
from digest.core.render import (
    PREFERENCES_SLOT,
    UNSUBSCRIBE_SLOT,
    Recipient,
    environment,
    palette,
    personalize,
    render_edition,
    render_web,
)
from digest.core.story import Story

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
DAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
BASE = "https://news.example.org/digest"
HOSTILE = '<script>alert("x")</script> & co'

AGENCIES = {
    "ap": ("Associated Press", "the Associated Press"),
    "afp": ("Agence France-Presse", "Agence France-Presse"),
    "reuters": ("Reuters", "Reuters"),
}


def story(sid: str, title: str, body: str, source: str = "ap", minutes: int = 0, url: str | None = None) -> Story:
    agency, attribution = AGENCIES[source]
    return Story(
        sid,
        source,
        agency,
        attribution,
        sid,
        title,
        body,
        f"https://{source}.example/{sid}" if url is None else url,
        datetime(2026, 11, 27, 8, tzinfo=UTC) + timedelta(minutes=minutes),
        f"h-{sid}",
    )


def plan(stories: list[Story], max_stories: int = 8) -> Edition:
    edition = plan_edition(DAY, cluster(stories), NOW, BASE, max_stories)
    assert edition is not None
    return edition


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    if not (TEMPLATES / "email.html.j2").is_file():
        pytest.skip(f"templates not found in {TEMPLATES}")
    return environment(TEMPLATES)


@pytest.fixture(scope="module")
def edition() -> Edition:
    return plan(
        [
            story(
                "ap-1",
                "Strong earthquake strikes Lima, Peru",
                "LIMA, Peru (AP) \u2014 A strong earthquake struck Lima on Friday. Rescuers searched homes.",
                "ap",
                0,
            ),
            story(
                "afp-1",
                "Strong earthquake hits Peru capital Lima",
                "Lima (AFP) - A strong earthquake struck the Peruvian capital Lima on Friday. Six died.",
                "afp",
                5,
            ),
            story(
                "reu-1",
                "Swiss central bank cuts rates below zero",
                "ZURICH, Nov 27 (Reuters) - The Swiss National Bank cut rates below zero. Markets fell.",
                "reuters",
                2,
            ),
            story(
                "ap-2",
                "AT&T and Tom's shop merge",
                'NEW YORK (AP) \u2014 AT&T said it would buy Tom\'s shop. The deal is "final".',
                "ap",
                9,
            ),
        ]
    )


@pytest.fixture(scope="module")
def rendered(env, edition):
    return render_edition(env, edition, Brand())


@pytest.fixture(scope="module")
def hostile(env):
    ed = plan([story("ap-9", HOSTILE, f"GENEVA (AP) \u2014 Body mentions {HOSTILE} too. Second sentence.")])
    return ed, render_edition(env, ed, Brand())


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append(("".join(self._text).strip(), self._href))
            self._href = None


def parse_html(html: str) -> _Links:
    p = _Links()
    p.feed(html)
    p.close()
    return p


_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")


# --- escaping -----------------------------------------------------------------------------


def test_headline_is_escaped_in_email_html(hostile):
    ed, r = hostile
    assert ed.lead.headline == HOSTILE
    assert "<script>" not in r.email_html
    assert "&lt;script&gt;" in r.email_html
    assert "&amp; co" in r.email_html
    assert not [t for t, _ in parse_html(r.email_html).tags if t == "script"]


def test_headline_is_escaped_in_web_html(env, hostile):
    web = render_web(env, hostile[0], Brand())
    assert "<script>alert" not in web
    assert "&lt;script&gt;" in web
    assert not [t for t, _ in parse_html(web).tags if t == "script"]


def test_headline_is_escaped_in_ssml(hostile):
    _, r = hostile
    assert "<script>" not in r.ssml
    assert "&lt;script&gt;" in r.ssml and "&amp; co" in r.ssml
    texts = [el.text for el in ET.fromstring(r.ssml).iter("s")]
    assert HOSTILE in texts


def test_headline_is_raw_in_the_text_part(hostile):
    _, r = hostile
    assert HOSTILE in r.email_text
    assert "&lt;" not in r.email_text and "&amp;" not in r.email_text
    assert "=" * len(HOSTILE) in r.email_text  # the underline matches the raw headline


def test_ampersands_and_quotes_in_summaries(env, rendered, edition):
    tom = next(s for s in edition.all_stories if s.headline.startswith("AT&T"))
    assert "AT&T" in tom.summary
    assert "AT&amp;T said it would buy Tom" in rendered.email_html
    assert "AT&T said it would buy Tom" in rendered.email_text
    # css-inline re-serializes the email, so its apostrophes are literal; the web page keeps Jinja's &#39;.
    assert "AT&amp;T and Tom's shop merge</h2>" in rendered.email_html
    assert "AT&amp;T and Tom&#39;s shop merge</h2>" in render_web(env, edition, Brand())


def test_non_https_story_urls_never_become_links(env):
    ed = plan(
        [
            story("x1", "Quake hits Lima", "A quake hit. More.", url="javascript:alert(1)"),
            story("x2", "Bank cuts rates", "Rates fell. More.", "afp", 1, url="http://plain.example/a"),
        ]
    )
    r = render_edition(env, ed, Brand())
    for part in (r.email_html, render_web(env, ed, Brand()), r.email_text):
        assert "javascript:" not in part
    hrefs = [h for _, h in parse_html(r.email_html).links]
    assert all(not h.startswith("javascript") for h in hrefs)


# --- structure ----------------------------------------------------------------------------


def test_email_html_structure(rendered, edition):
    html = rendered.email_html
    assert re.search(r'<html[^>]*\blang="en"', html)
    tables = [a for t, a in parse_html(html).tags if t == "table"]
    assert tables and all(a.get("role") == "presentation" for a in tables)
    links = parse_html(html).links
    assert ("Listen to Today's Edition", edition.audio_url) in links
    assert edition.audio_url == f"{BASE}/2026-11-28/edition.mp3"
    assert ("Unsubscribe", UNSUBSCRIBE_SLOT) in links
    assert ("Manage preferences", PREFERENCES_SLOT) in links
    assert ("View in your browser", edition.web_url) in links
    for s in edition.all_stories:
        for link in s.links:
            assert (link.label, link.url) in links


def test_every_story_is_in_every_rendering(rendered, edition):
    for s in edition.all_stories:
        assert s.summary in rendered.email_text
        assert s.headline in rendered.email_text
        spoken = [el.text for el in ET.fromstring(rendered.ssml).iter("s")]
        assert s.headline in spoken and s.summary in spoken
        assert f'name="{s.anchor}"' in rendered.ssml


def test_css_is_inlined(rendered):
    h1 = re.search(r"<h1[^>]*>", rendered.email_html).group(0)
    assert "style=" in h1 and "font-size" in h1


def test_no_audio_means_no_listen_link(env, edition):
    r = render_edition(env, replace(edition, audio_url=None), Brand())
    assert "Listen to Today" not in r.email_html
    assert "Listen to Today" not in r.email_text


def test_correction_note_is_shown_and_escaped(env, edition):
    r = render_edition(env, replace(edition, correction_note="We misspelled <Lima> & regret it."), Brand())
    assert "We misspelled &lt;Lima&gt; &amp; regret it." in r.email_html
    assert "Correction: We misspelled <Lima> & regret it." in r.email_text


def test_text_part_has_no_html_tags(rendered, edition):
    text = rendered.email_text
    assert not _TAG.findall(text), _TAG.findall(text)
    assert "&amp;" not in text and "&#" not in text
    assert f"Listen to Today's Edition: {edition.audio_url}" in text
    assert f"Unsubscribe: {UNSUBSCRIBE_SLOT}" in text
    assert f"Preferences: {PREFERENCES_SLOT}" in text


def test_ssml_uses_only_polly_elements(rendered):
    root = ET.fromstring(rendered.ssml)
    assert root.tag == "speak"
    assert {el.tag for el in root.iter()} <= {"speak", "p", "s", "break", "mark"}


# --- personalize --------------------------------------------------------------------------


def test_personalize_fills_both_slots_and_escapes_html(rendered):
    who = Recipient('https://api.example/unsubscribe/tok?a=1&b="2"', "https://api.example/prefs?x=1&y=2")
    html = personalize(rendered.email_html, who, is_html=True)
    assert UNSUBSCRIBE_SLOT not in html and PREFERENCES_SLOT not in html
    assert "a=1&amp;b=&quot;2&quot;" in html
    links = parse_html(html).links
    assert ("Unsubscribe", who.unsubscribe_url) in links
    assert ("Manage preferences", who.preferences_url) in links
    # Nothing else changed.
    assert (
        html.replace(personalize(UNSUBSCRIBE_SLOT, who, True), UNSUBSCRIBE_SLOT).replace(
            personalize(PREFERENCES_SLOT, who, True), PREFERENCES_SLOT
        )
        == rendered.email_html
    )


def test_personalize_text_is_not_escaped(rendered):
    who = Recipient("https://api.example/u?a=1&b=2", "https://api.example/p?c=3&d=4")
    text = personalize(rendered.email_text, who, is_html=False)
    assert f"Unsubscribe: {who.unsubscribe_url}\n" in text
    assert f"Preferences: {who.preferences_url}\n" in text
    assert "&amp;" not in text


def test_personalize_example():
    assert personalize(f"<a href='{UNSUBSCRIBE_SLOT}'>", Recipient("https://u/?a=1&b=2", "p"), True) == (
        "<a href='https://u/?a=1&amp;b=2'>"
    )


# --- the environment ----------------------------------------------------------------------


def test_undefined_variable_raises(tmp_path):
    (tmp_path / "broken.html.j2").write_text("<p>{{ edition.no_such_field }}</p>", "utf-8")
    (tmp_path / "missing.txt.j2").write_text("{{ nobody_passed_this }}", "utf-8")
    env = environment(tmp_path)
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("broken.html.j2").render(edition=object())
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("missing.txt.j2").render()


def test_autoescape_depends_on_the_template_name(tmp_path):
    for name in ("a.html.j2", "a.ssml.j2", "a.txt.j2"):
        (tmp_path / name).write_text("{{ v }}", "utf-8")
    env = environment(tmp_path)
    assert env.get_template("a.html.j2").render(v="<&>") == "&lt;&amp;&gt;"
    assert env.get_template("a.ssml.j2").render(v="<&>") == "&lt;&amp;&gt;"
    assert env.get_template("a.txt.j2").render(v="<&>") == "<&>"


# --- SSML for any text --------------------------------------------------------------------


def _xml_char(c: str) -> bool:
    n = ord(c)
    return n in (0x9, 0xA, 0xD) or 0x20 <= n <= 0xD7FF or 0xE000 <= n <= 0xFFFD or 0x10000 <= n <= 0x10FFFF


_xml_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)).filter(_xml_char))


@settings(max_examples=200, deadline=None)
@given(_xml_text, _xml_text)
def test_ssml_is_well_formed_for_any_xml_legal_text(env, edition, headline, summary):
    lead = replace(edition.lead, headline=headline, summary=summary)
    ssml = render_edition(env, replace(edition, lead=lead), Brand()).ssml
    root = ET.fromstring(ssml)
    spoken = [el.text or "" for el in root.iter("s")]
    # XML normalizes line ends; otherwise the text comes back unchanged.
    norm = lambda t: t.replace("\r\n", "\n").replace("\r", "\n")  # noqa: E731
    assert norm(headline) in spoken and norm(summary) in spoken


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
)
@example("Markets\x0bclose", "Oil\x00 fell")
def test_ssml_is_well_formed_for_any_text(env, edition, headline, summary):
    lead = replace(edition.lead, headline=headline, summary=summary)
    ET.fromstring(render_edition(env, replace(edition, lead=lead), Brand()).ssml)


def test_no_character_xml_forbids_reaches_any_rendering_from_any_shown_field(env, edition):
    bad = "\x01\x0b\ufffe"
    lead = edition.lead
    lead = replace(
        lead,
        headline=lead.headline + bad,
        summary=lead.summary + "\n\n" + bad,
        agencies=[a + bad for a in lead.agencies],
        links=[Link(link.label + bad, link.url + "?" + bad) for link in lead.links],
    )
    hostile = replace(edition, lead=lead, title="T" + bad, preheader="P" + bad, correction_note="C" + bad)
    brand = Brand(name="Morning" + bad, contact_email="desk@example.org" + bad)
    rendered = render_edition(env, hostile, brand)
    web = render_web(env, hostile, brand)
    for name, part in [*vars(rendered).items(), ("web", web)]:
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", part), name
    ET.fromstring(rendered.ssml)
    assert lead.headline.replace(bad, "   ") in web  # each replaced by a space


# --- size ---------------------------------------------------------------------------------


def test_email_html_for_twenty_stories_is_under_gmail_clipping(env):
    stories = []
    for i in range(20):
        topic = [f"topic{i}word{j}" for j in range(17)]
        title = (f"Story {i}: " + " ".join(topic[:8])).ljust(120, "x")
        sentences_ = [" ".join([topic[k].capitalize(), *topic[k + 1 :]]) + "." for k in range(12)]
        for n, src in enumerate(AGENCIES):
            stories.append(story(f"{src}-{i}", title, "GENEVA (AP) \u2014 " + " ".join(sentences_), src, i * 3 + n))
    ed = plan(stories, max_stories=20)
    assert len(ed.all_stories) == 20
    assert all(len(s.links) == 3 for s in ed.all_stories)
    r = render_edition(env, ed, Brand())
    who = Recipient(
        "https://news.example.org/digest/api/unsubscribe/" + "t" * 120,
        "https://news.example.org/digest/api/unsubscribe/" + "t" * 120,
    )
    size = len(personalize(r.email_html, who, True).encode("utf-8"))
    print(f"\nemail HTML for 20 stories: {size} bytes")
    assert size < 102 * 1024


# --- the email without audio: cut from the one rendering ----------------------------------


@pytest.mark.parametrize(
    "brand",
    [
        Brand(),
        Brand(
            logo_url="https://news.example.org/logo.png",
            accent_color="#ffcc00",
            text_color="#777",
            background_color="#888888",
        ),
    ],
)
@pytest.mark.parametrize("note", [None, "We misspelled <Lima> & regret it."])
def test_the_email_without_audio_is_what_rendering_it_without_audio_gives(env, edition, brand, note):
    ed = replace(edition, correction_note=note, lead=replace(edition.lead, corrected=note is not None))
    with_audio = render_edition(env, ed, brand)
    without = render_edition(env, replace(ed, audio_url=None), brand)
    assert with_audio.silent_html == without.email_html and with_audio.silent_text == without.email_text
    assert without.silent_html == without.email_html and without.silent_text == without.email_text
    assert "Listen to Today" in with_audio.email_html and "Listen to Today" not in with_audio.silent_html
    for part in (with_audio.email_html, with_audio.email_text, with_audio.silent_html, with_audio.silent_text):
        assert "<!--listen-->" not in part and "<!--/listen-->" not in part


def test_listen_markers_in_story_text_are_only_text(env, edition):
    lead = replace(edition.lead, headline="<!--listen-->\nQuake", summary="A quake.\n<!--/listen-->\nMore.")
    r = render_edition(env, replace(edition, lead=lead), Brand())
    assert "&lt;!--listen--&gt;" in r.email_html and "&lt;!--listen--&gt;" in r.silent_html
    assert "Listen to Today's Edition" in r.email_text and "<!--listen-->\nQuake" in r.silent_text
    assert "Listen to Today" not in r.silent_text
    quiet = render_edition(env, replace(edition, lead=lead, audio_url=None), Brand())
    assert "<!--listen-->\nQuake" in quiet.email_text and "<!--/listen-->\nMore." in quiet.silent_text


# --- brand colours: the web page's palette is the email's ----------------------------------

_COLOURS = st.one_of(
    st.sampled_from(
        [
            "#fff",
            "#FFFFFF",
            " #1c1b1f ",
            "#b3261e",
            "#ffcc00",
            "#777",
            "#888888",
            "black",
            "",
            "#12",
            "#1234567",
            "123456",
            "#ggg",
            "#aBc",
            "#000",
            "#d9534f",
        ]
    ),
    st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True),
    st.from_regex(r"#[0-9a-fA-F]{3}", fullmatch=True),
)


@settings(max_examples=150, deadline=None)
@given(_COLOURS, _COLOURS, _COLOURS)
def test_palette_is_the_colours_the_email_template_works_out(env, edition, background, text, accent):
    brand = Brand(background_color=background, text_color=text, accent_color=accent)
    email = env.get_template("email.html.j2").make_module(
        {"edition": edition, "brand": brand, "recipient": Recipient(UNSUBSCRIBE_SLOT, PREFERENCES_SLOT)}
    )
    colours = palette(brand)
    assert (colours.bg, colours.fg, colours.link, colours.accent, colours.on_accent) == (
        str(email.bg),
        str(email.fg),
        str(email.link),
        str(email.accent),
        str(email.on_accent),
    )
