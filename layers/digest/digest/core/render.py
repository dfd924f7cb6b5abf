"""Render an edition with Jinja2 (autoescape on, StrictUndefined) and inline the email's CSS."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import css_inline
import jinja2

from digest.core.edition import Brand, Edition
from digest.core.reads import link_tags
from digest.core.text import xml_safe
from digest.core.xmlsafe import safe_texts, verbatim

# Rendered once per edition; each recipient's copy swaps these for their own signed URLs.
UNSUBSCRIBE_SLOT = "https://unsubscribe.invalid/slot"
PREFERENCES_SLOT = "https://preferences.invalid/slot"
# The email templates bracket the Listen block with these lines, so the email without audio is the
# same rendering with the block cut out (not a second render and CSS inlining).
LISTEN_START, LISTEN_END = "<!--listen-->\n", "<!--/listen-->\n"


@dataclass(frozen=True)
class Recipient:
    unsubscribe_url: str
    preferences_url: str


@dataclass(frozen=True)
class Rendered:
    """What a build renders of one edition. Email parts still hold the recipient slots.

    ``silent_html`` and ``silent_text`` are the email without the Listen link, sent when the audio
    is not ready; for an edition without audio they are the email itself. ``email_markup`` is the
    email's HTML before its CSS was inlined (the same elements, in less text: what lint reads).
    """

    email_html: str
    email_text: str
    ssml: str
    silent_html: str = ""
    silent_text: str = ""
    email_markup: str = ""


def environment(template_dir: Path) -> jinja2.Environment:
    """The one Jinja2 environment: autoescape for everything but ``*.txt.j2``; StrictUndefined.

    Templates are read and compiled once per environment (``auto_reload`` off: a deployed
    template never changes, so the file is not checked again on every render).
    """
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        auto_reload=False,
        autoescape=lambda name: not (name or "").endswith(".txt.j2"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Characters XML forbids never reach a rendering (they would break SSML and feeds).
        finalize=_xml_safe_value,
    )


def _xml_safe_value(value: object) -> object:
    """``value`` with the characters XML forbids replaced, keeping its type (``Markup`` stays
    ``Markup``). Every forbidden character is unprintable, so printable text is returned as is."""
    if isinstance(value, str) and not value.isprintable():
        return type(value)(xml_safe(value))
    return value


_INLINER = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    """Email HTML with its ``<style>`` rules inlined (kept too, for dark mode); no remote stylesheets."""
    return _INLINER.inline(html)


@dataclass(frozen=True)
class Palette:
    """The brand colours as the pages use them (``#rrggbb``): background, text, links, accent
    and the text on an accent-coloured button."""

    bg: str
    fg: str
    link: str
    accent: str
    on_accent: str


def palette(brand: Brand) -> Palette:
    """The brand's colours, checked the way email.html.j2 checks them in its own first lines.

    A colour that is not ``#rgb`` or ``#rrggbb`` falls back to a default; text on background
    under 4.5:1 falls back to the safe pair; links use the accent only when it reaches 4.5:1
    on the background; the button text is white or black, whichever suits the accent.

    Examples
    --------
    >>> palette(Brand(accent_color="#FC0", text_color="black"))
    Palette(bg='#ffffff', fg='#1c1b1f', link='#1c1b1f', accent='#ffcc00', on_accent='#000000')
    """
    bg = _hex6(brand.background_color, "#ffffff")
    fg = _hex6(brand.text_color, "#1c1b1f")
    accent = _hex6(brand.accent_color, "#b3261e")
    l_bg, l_fg, l_accent = luminance(bg), luminance(fg), luminance(accent)
    if (max(l_bg, l_fg) + 0.05) / (min(l_bg, l_fg) + 0.05) < 4.5:
        bg, fg, l_bg = "#ffffff", "#1c1b1f", 1.0
    link = accent if (max(l_bg, l_accent) + 0.05) / (min(l_bg, l_accent) + 0.05) >= 4.5 else fg
    return Palette(bg, fg, link, accent, "#ffffff" if l_accent <= 0.179 else "#000000")


def luminance(color: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` colour.

    Examples
    --------
    >>> luminance("#ffffff"), luminance("#000000")
    (1.0, 0.0)
    """
    total = 0.0
    for weight, i in ((0.2126, 1), (0.7152, 3), (0.0722, 5)):
        v = int(color[i : i + 2], 16) / 255
        total = total + weight * ((v / 12.92) if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4)
    return total


def _hex6(value: object, fallback: str) -> str:
    color = str(value).strip().lower()
    if len(color) == 4 and color[0] == "#":
        color = "#" + color[1] * 2 + color[2] * 2 + color[3] * 2
    valid = len(color) == 7 and color[0] == "#" and all(c in "0123456789abcdef" for c in color[1:])
    return color if valid else fallback


def render_edition(env: jinja2.Environment, edition: Edition, brand: Brand, read_tracking: bool = False) -> Rendered:
    """Render what a build of the edition is reviewed and sent as: the email (HTML and text, with
    and without the Listen link) and the SSML narrated. The web copy is rendered when it is
    published (:func:`render_web`), with the audio that is public then.

    Each email part is rendered (and its CSS inlined) once: the variant without audio is that
    rendering with the Listen block cut out (the email's CSS has no selector that depends on
    an element's siblings, so cutting a block leaves every other element's style as it was).
    The edition's and brand's texts are made XML-safe once, here, so the templates are rendered
    without the environment's per-value filter (each value is printed in three templates).
    With ``read_tracking``, each story's links carry its SES link tag and every other link
    ``ses:no-track`` (``core.reads``); without it the email holds neither.
    """
    edition, brand = safe_texts(edition, brand)
    env = verbatim(env)
    slots = Recipient(UNSUBSCRIBE_SLOT, PREFERENCES_SLOT)
    tags = link_tags(s.cluster_id for s in edition.all_stories) if read_tracking else None
    markup = env.get_template("email.html.j2").render(edition=edition, brand=brand, recipient=slots, read_tags=tags)
    marked = inline_css(markup)
    text = env.get_template("email.txt.j2").render(edition=edition, brand=brand, recipient=slots)
    if edition.audio_url is None:  # no Listen block: the text part may hold the markers as story text
        email_html, silent_html, email_text, silent_text = marked, marked, text, text
    else:
        email_html, silent_html = _listen_variants(marked)
        email_text, silent_text = _listen_variants(text)
    return Rendered(
        email_html=email_html,
        email_text=email_text,
        ssml=env.get_template("edition.ssml.j2").render(edition=edition, brand=brand, recipient=None),
        silent_html=silent_html,
        silent_text=silent_text,
        email_markup=markup,
    )


def render_web(env: jinja2.Environment, edition: Edition, brand: Brand) -> str:
    """The edition's web copy (its Listen player only when ``edition.audio_url`` is set)."""
    edition, brand = safe_texts(edition, brand)
    return (
        verbatim(env)
        .get_template("web.html.j2")
        .render(edition=edition, brand=brand, recipient=None, palette=palette(brand))
    )


def _listen_variants(marked: str) -> tuple[str, str]:
    """The email with its Listen block (markers removed) and without it. The block comes before
    any story, after only the edition's title and date, so the first markers are the template's."""
    start = marked.index(LISTEN_START)
    end = marked.index(LISTEN_END, start) + len(LISTEN_END)
    head, block, tail = marked[:start], marked[start + len(LISTEN_START) : end - len(LISTEN_END)], marked[end:]
    return f"{head}{block}{tail}", head + tail


def personalize(part: str, recipient: Recipient, is_html: bool) -> str:
    """Put one recipient's links into a rendered email part.

    Examples
    --------
    >>> personalize(f"<a href='{UNSUBSCRIBE_SLOT}'>", Recipient("https://u/?a=1&b=2", "p"), True)
    "<a href='https://u/?a=1&amp;b=2'>"
    """
    escape = html.escape if is_html else str
    return part.replace(UNSUBSCRIBE_SLOT, escape(recipient.unsubscribe_url)).replace(
        PREFERENCES_SLOT, escape(recipient.preferences_url)
    )
