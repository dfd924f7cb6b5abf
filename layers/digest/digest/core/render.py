"""Render an edition with Jinja2 (autoescape on, StrictUndefined) and inline the email's CSS."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import css_inline
import jinja2

from digest.core.edition import Brand, Edition
from digest.core.text import xml_safe

# Rendered once per edition; each recipient's copy swaps these for their own signed URLs.
UNSUBSCRIBE_SLOT = "https://unsubscribe.invalid/slot"
PREFERENCES_SLOT = "https://preferences.invalid/slot"


@dataclass(frozen=True)
class Recipient:
    unsubscribe_url: str
    preferences_url: str


@dataclass(frozen=True)
class Rendered:
    """Every rendering of one edition. Email parts still hold the recipient slots."""

    email_html: str
    email_text: str
    web_html: str
    ssml: str


def environment(template_dir: Path) -> jinja2.Environment:
    """The one Jinja2 environment: autoescape for everything but ``*.txt.j2``; StrictUndefined."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=lambda name: not (name or "").endswith(".txt.j2"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Characters XML forbids never reach a rendering (they would break SSML and feeds).
        finalize=lambda value: type(value)(xml_safe(value)) if isinstance(value, str) else value,
    )


_INLINER = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    """Email HTML with its ``<style>`` rules inlined (kept too, for dark mode); no remote stylesheets."""
    return _INLINER.inline(html)


def render_edition(env: jinja2.Environment, edition: Edition, brand: Brand) -> Rendered:
    """Render the email (HTML and text), web page and SSML of an edition."""
    slots = Recipient(UNSUBSCRIBE_SLOT, PREFERENCES_SLOT)
    email_html = env.get_template("email.html.j2").render(edition=edition, brand=brand, recipient=slots)
    return Rendered(
        email_html=inline_css(email_html),
        email_text=env.get_template("email.txt.j2").render(edition=edition, brand=brand, recipient=slots),
        web_html=env.get_template("web.html.j2").render(edition=edition, brand=brand, recipient=None),
        ssml=env.get_template("edition.ssml.j2").render(edition=edition, brand=brand, recipient=None),
    )


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
