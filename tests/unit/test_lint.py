"""digest.core.lint: a real edition rendered with the real templates passes; each rule catches its fault."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import jinja2
import pytest

from digest.core.edition import Brand, Edition, EditionStory, Link
from digest.core.lint import LintIssue, contrast_ratio, lint_edition, lint_email
from digest.core.render import UNSUBSCRIBE_SLOT, Recipient, Rendered, environment, personalize, render_edition

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
AUDIO = "https://news.example.org/digest/2026-11-28/edition.mp3"
RULES = {
    "size",
    "text-part",
    "img-alt",
    "heading-order",
    "contrast",
    "link-https",
    "lang",
    "table-role",
    "listen-link",
    "unsubscribe",
}


def exists(url: str) -> bool:
    return True


def missing(url: str) -> bool:
    return False


def story(n: int, headline: str, summary: str, links: list[Link] | None = None) -> EditionStory:
    return EditionStory(
        anchor=f"story-{n}",
        cluster_id=f"cluster-{n}",
        headline=headline,
        summary=summary,
        agencies=["Associated Press", "Reuters"],
        links=links
        if links is not None
        else [Link("Associated Press", f"https://apnews.example/{n}"), Link("Reuters", f"https://reuters.example/{n}")],
    )


EDITION = Edition(
    date="2026-11-28",
    date_label="Saturday, November 28, 2026",
    title="Morning Digest",
    lang="en",
    preheader="Quake kills nine in Peru \u00b7 Swiss central bank cuts rates \u00b7 AT&T buys Tom's shop",
    web_url="https://news.example.org/digest/2026-11-28/index.html",
    audio_url=AUDIO,
    lead=story(
        1,
        "Quake kills nine in Peru",
        "LIMA, Peru (AP) \u2014 A strong earthquake struck Lima on Friday, killing nine people. "
        "Rescuers searched collapsed homes through the night.",
    ),
    stories=[
        story(
            2,
            "Swiss central bank cuts rates below zero",
            "ZURICH (Reuters) - The Swiss National Bank cut its main rate below zero. Markets fell.",
        ),
        story(
            3, "AT&T buys Tom's shop", 'NEW YORK (AP) \u2014 AT&T said it would buy Tom\'s shop. The deal is "final".'
        ),
    ],
)


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    if not (TEMPLATES / "email.html.j2").is_file():
        pytest.skip(f"templates not found in {TEMPLATES}")
    return environment(TEMPLATES)


@pytest.fixture(scope="module")
def good(env) -> Rendered:
    return render_edition(env, EDITION, Brand())


def rules(issues: list[LintIssue]) -> set[str]:
    assert all(issue.rule in RULES and issue.detail for issue in issues), issues
    return {issue.rule for issue in issues}


def lint_html(good: Rendered, html: str, **kwargs) -> set[str]:
    return rules(lint_email(html, good.email_text, audio_exists=exists, audio_url=AUDIO, **kwargs))


# --- the real edition passes ---------------------------------------------------------------------


def test_real_edition_passes_the_gate(good):
    assert lint_edition(good, EDITION, Brand(), exists) == []


def test_real_edition_with_logo_correction_and_no_audio_passes(env):
    brand = Brand(logo_url="https://news.example.org/logo.png")
    edition = replace(
        EDITION,
        audio_url=None,
        correction_note="An earlier version misstated the toll.",
        lead=replace(EDITION.lead, corrected=True),
    )
    rendered = render_edition(env, edition, brand)
    assert "<img" in rendered.email_html
    assert lint_edition(rendered, edition, brand, missing) == []


def test_lint_email_with_brand_colours_passes(good):
    brand = Brand()
    pairs = [(brand.text_color, brand.background_color), (brand.accent_color, brand.background_color)]
    assert lint_email(good.email_html, good.email_text, audio_exists=exists, audio_url=AUDIO, colors=pairs) == []


@pytest.mark.parametrize("audio", [AUDIO, None])
@pytest.mark.parametrize(
    "brand", [Brand(), Brand(logo_url="https://news.example.org/logo.png"), Brand(logo_url="http://insecure/logo.png")]
)
def test_lint_reads_the_markup_before_inlining_as_it_reads_the_inlined_email(env, brand, audio):
    edition = replace(
        EDITION, audio_url=audio, lead=replace(EDITION.lead, links=[Link("AP", "http://insecure.example/1")])
    )
    rendered = render_edition(env, edition, brand)
    assert rendered.email_markup and rendered.email_markup != rendered.email_html
    found = lint_edition(rendered, edition, brand, exists)
    assert found == lint_edition(replace(rendered, email_markup=""), edition, brand, exists)
    assert found  # the hostile link, at least: the two readings agree on problems, not only on none


# --- each rule -----------------------------------------------------------------------------------


def test_oversize_html(env):
    edition = replace(EDITION, lead=replace(EDITION.lead, summary="Rescuers searched the rubble. " * 4_200))
    rendered = render_edition(env, edition, Brand())
    assert len(rendered.email_html.encode("utf-8")) > 120_000
    assert "size" in rules(lint_edition(rendered, edition, Brand(), exists))


def test_size_counts_utf8_bytes(good):
    accents = "\u00e9" * 60_000  # 60k characters, 120k bytes
    html = good.email_html.replace("</body>", f"<p>{accents}</p></body>")
    assert len(html) < 102_000
    assert "size" in lint_html(good, html)


@pytest.mark.parametrize("text", ["", "   \n", "Morning Digest\nSee the HTML version."])
def test_missing_or_trivial_text_part(good, text):
    issues = lint_email(good.email_html, text, audio_exists=exists, audio_url=AUDIO)
    assert "text-part" in rules(issues)


def test_img_without_alt(good):
    html = good.email_html.replace("</body>", '<img src="https://news.example.org/chart.png"></body>')
    issues = lint_email(html, good.email_text, audio_exists=exists, audio_url=AUDIO)
    assert rules(issues) == {"img-alt"}
    assert "chart.png" in issues[0].detail


@pytest.mark.parametrize(
    ("img", "ok"),
    [
        ('<img src="https://x.example/a.png" alt="">', False),
        ('<img src="https://x.example/a.png" alt="  ">', False),
        ('<img src="https://x.example/a.png" alt="" role="presentation">', True),
        ('<img src="https://x.example/a.png" alt="Chart of rates">', True),
    ],
)
def test_img_alt_variants(good, img, ok):
    found = lint_html(good, good.email_html.replace("</body>", f"{img}</body>"))
    assert ("img-alt" not in found) is ok


def test_heading_skips_a_level(good):
    html = good.email_html.replace("<h2", "<h3").replace("</h2>", "</h3>")
    issues = lint_email(html, good.email_text, audio_exists=exists, audio_url=AUDIO)
    assert rules(issues) == {"heading-order"}
    assert "h1 is followed by h3" in issues[0].detail


def test_two_h1(good):
    html = good.email_html.replace("<h2", "<h1").replace("</h2>", "</h1>")
    assert lint_html(good, html) == {"heading-order"}


def test_first_heading_not_h1(good):
    html = good.email_html.replace('<div class="preheader"', '<h2>Before the lead</h2><div class="preheader"', 1)
    assert "<h2>Before the lead</h2>" in html
    assert lint_html(good, html) == {"heading-order"}


def test_no_headings(good):
    html = good.email_html.replace("<h1", "<p").replace("</h1>", "</p>").replace("<h2", "<p").replace("</h2>", "</p>")
    assert lint_html(good, html) == {"heading-order"}


def test_low_contrast_brand(env):
    brand = Brand(text_color="#777777", background_color="#888888")
    rendered = render_edition(env, EDITION, brand)
    issues = lint_edition(rendered, EDITION, brand, exists)
    assert rules(issues) == {"contrast"}
    assert "#777777 on #888888" in issues[0].detail


def test_accent_is_held_to_large_text_contrast(good):
    bright = Brand(accent_color="#ffcc00")  # 1.6:1 on white
    assert rules(lint_edition(good, EDITION, bright, exists)) == {"contrast"}
    mid = Brand(accent_color="#d9534f")  # about 4.0:1: enough for the large Listen button, not body text
    assert 3.0 <= contrast_ratio(mid.accent_color, mid.background_color) < 4.5
    assert lint_edition(good, EDITION, mid, exists) == []


def test_unparseable_colour_is_an_issue_not_a_crash(good):
    assert rules(lint_edition(good, EDITION, Brand(text_color="black"), exists)) == {"contrast"}


def test_contrast_ratio():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#fff", "#000") == pytest.approx(21.0)
    assert contrast_ratio("#abc", "#aabbcc") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#1C1B1F", "#FFFFFF") == pytest.approx(contrast_ratio("#1c1b1f", "#ffffff"))
    for bad in ("black", "#12", "#1234567", "123456", "#ggg"):
        with pytest.raises(ValueError):
            contrast_ratio(bad, "#ffffff")


def test_http_link(env):
    edition = replace(EDITION, lead=replace(EDITION.lead, links=[Link("Associated Press", "http://apnews.example/1")]))
    issues = lint_edition(render_edition(env, edition, Brand()), edition, Brand(), exists)
    assert rules(issues) == {"link-https"}
    assert "http://apnews.example/1" in issues[0].detail


def test_relative_link(env):
    edition = replace(EDITION, web_url="/digest/2026-11-28/index.html")
    assert rules(lint_edition(render_edition(env, edition, Brand()), edition, Brand(), exists)) == {"link-https"}


@pytest.mark.parametrize("href", ["#story-2", "javascript:alert(1)", "", "https://", "//cdn.example/x"])
def test_other_bad_links(good, href):
    assert lint_html(good, good.email_html.replace("</body>", f'<a href="{href}">x</a></body>')) == {"link-https"}


def test_mailto_and_https_links_are_fine(good):
    assert "mailto:" in good.email_html
    extra = '<a href="MAILTO:desk@news.example.org">desk</a><a href=" https://news.example.org/x ">x</a>'
    assert lint_html(good, good.email_html.replace("</body>", f"{extra}</body>")) == set()


def test_missing_lang(env, good):
    edition = replace(EDITION, lang="")
    assert rules(lint_edition(render_edition(env, edition, Brand()), edition, Brand(), exists)) == {"lang"}
    assert lint_html(good, good.email_html.replace(' lang="en"', "", 1)) == {"lang"}


def test_table_without_role(good):
    html = good.email_html.replace(' role="presentation"', "", 1)
    issues = lint_email(html, good.email_text, audio_exists=exists, audio_url=AUDIO)
    assert rules(issues) == {"table-role"}
    assert len(issues) == 1


def test_listen_link_to_missing_audio(good):
    issues = lint_edition(good, EDITION, Brand(), missing)
    assert rules(issues) == {"listen-link"}
    assert "does not exist" in issues[0].detail


def test_listen_link_missing_from_html(good):
    html = good.email_html.replace(f'href="{AUDIO}"', 'href="https://news.example.org/other.mp3"')
    assert lint_html(good, html) == {"listen-link"}


def test_no_audio_but_listen_text_remains(good):
    issues = lint_email(good.email_html, good.email_text, audio_exists=exists, audio_url=None)
    assert rules(issues) == {"listen-link"}
    assert {i.detail for i in issues} == {
        "no audio, but the HTML part still says 'Listen to Today'",
        "no audio, but the text part still says 'Listen to Today'",
    }


def test_missing_unsubscribe_slot(good):
    reader = Recipient("https://news.example.org/u?t=abc", "https://news.example.org/p?t=abc")
    html, text = personalize(good.email_html, reader, True), personalize(good.email_text, reader, False)
    issues = lint_email(html, text, audio_exists=exists, audio_url=AUDIO)
    assert rules(issues) == {"unsubscribe"}
    assert len(issues) == 2
    only_text = lint_email(good.email_html, text, audio_exists=exists, audio_url=AUDIO)
    assert [i.detail for i in only_text] == ["the text part has no unsubscribe slot"]
    assert UNSUBSCRIBE_SLOT in good.email_html
