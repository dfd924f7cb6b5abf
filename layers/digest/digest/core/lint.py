"""The email lint gate: checks a rendered email must pass before any send.

Each problem is a :class:`LintIssue` with a stable rule id: ``size``, ``text-part``, ``img-alt``,
``heading-order``, ``contrast``, ``link-https``, ``lang``, ``table-role``, ``listen-link``,
``unsubscribe``. A clean email gives ``[]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from digest.core.edition import Brand, Edition
from digest.core.htmlscan import Scan, scan
from digest.core.render import UNSUBSCRIBE_SLOT, Rendered, luminance

MIN_TEXT_CHARS = 200
LARGE_TEXT_CONTRAST = 3.0
LISTEN_TEXT = "listen to today"
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


@dataclass(frozen=True)
class LintIssue:
    """One problem: a rule id from the list above and what exactly is wrong."""

    rule: str
    detail: str


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2.x contrast ratio of two ``#rgb`` / ``#rrggbb`` colours, from 1.0 to 21.0.

    Raises
    ------
    ValueError
        A colour is not ``#rgb`` or ``#rrggbb``.

    Examples
    --------
    >>> contrast_ratio("#000", "#ffffff")
    21.0
    >>> round(contrast_ratio("#777777", "#888888"), 2)
    1.26
    """
    lighter, darker = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def lint_email(
    html: str,
    text: str,
    *,
    audio_exists: Callable[[str], bool] | None,
    audio_url: str | None,
    max_bytes: int = 102_000,
    min_contrast: float = 4.5,
    colors: list[tuple[str, str]] | None = None,
    markup: str | None = None,
) -> list[LintIssue]:
    """Every problem in one rendered email (HTML and text parts, recipient slots still in).

    Parameters
    ----------
    html, text
        The email's HTML and plain-text parts.
    audio_exists
        Tells whether the audio file at a URL exists; ``None`` skips that one check.
    audio_url
        The edition's audio URL, or ``None`` when the edition has no audio.
    max_bytes
        Largest HTML size in UTF-8 bytes (Gmail clips messages over about 102 KB).
    min_contrast
        Smallest WCAG contrast ratio for each ``(foreground, background)`` pair in ``colors``.
    colors
        Colour pairs to check; none are checked when ``None``.
    markup
        The same HTML before its CSS was inlined, when the caller has it: its elements are the
        rules' (inlining adds only styles), read in less text; ``html`` still gives the size.

    Examples
    --------
    >>> sorted({i.rule for i in lint_email("<html><h1>Hi</h1></html>", "", audio_exists=None, audio_url=None)})
    ['lang', 'text-part', 'unsubscribe']
    """
    page = scan(markup or html, want_text=audio_url is None)
    issues: list[LintIssue] = []
    size = len(html.encode("utf-8"))
    if size > max_bytes:
        issues.append(LintIssue("size", f"HTML is {size:,} bytes, over {max_bytes:,}: Gmail clips it"))
    chars = len(text.strip())
    if chars < MIN_TEXT_CHARS:
        issues.append(LintIssue("text-part", f"text part has {chars} characters (minimum {MIN_TEXT_CHARS})"))
    for img in page.images:
        alt = img.get("alt")
        if alt is None or (not alt.strip() and img.get("role") != "presentation"):
            issues.append(LintIssue("img-alt", f"<img src={img.get('src', '')!r}> has no alt text"))
    issues += _heading_issues(page.headings)
    issues += _contrast_issues(colors or [], min_contrast)
    hrefs = [h.strip() for h in page.hrefs if h is not None]
    issues += [LintIssue("link-https", f"{_link_problem(h)}: {h[:120]!r}") for h in hrefs if _link_problem(h)]
    if not (page.lang or "").strip():
        issues.append(LintIssue("lang", "<html> has no lang attribute"))
    issues += [
        LintIssue("table-role", 'layout <table> lacks role="presentation"')
        for role in page.table_roles
        if role != "presentation"
    ]
    issues += _listen_issues(page, text, audio_url, audio_exists)
    for part, body in (("HTML", html), ("text", text)):
        if UNSUBSCRIBE_SLOT not in body:
            issues.append(LintIssue("unsubscribe", f"the {part} part has no unsubscribe slot"))
    return issues


def lint_edition(
    rendered: Rendered, edition: Edition, brand: Brand, audio_exists: Callable[[str], bool] | None
) -> list[LintIssue]:
    """Lint an edition's rendered email with the brand's colours and the edition's audio URL.

    Text on background must reach 4.5:1. The accent only needs 3:1, WCAG's minimum for large
    text and non-text elements: it fills the Listen button and draws rules, while links use it
    only at 4.5:1 or better (the templates fall back to the text colour for them).

    Examples
    --------
    >>> from digest.core.edition import EditionStory
    >>> story = EditionStory("story-1", "c1", "Headline", "Summary.", ["AP"], [])
    >>> ed = Edition("2026-11-28", "Saturday", "T", "en", "p", "https://x/i.html", None, story)
    >>> [i.rule for i in lint_edition(Rendered("", "", ""), ed, Brand(), None)][:2]
    ['text-part', 'heading-order']
    """
    issues = lint_email(
        rendered.email_html,
        rendered.email_text,
        audio_exists=audio_exists,
        audio_url=edition.audio_url,
        colors=[(brand.text_color, brand.background_color)],
        markup=rendered.email_markup or None,
    )
    return issues + _contrast_issues([(brand.accent_color, brand.background_color)], LARGE_TEXT_CONTRAST)


def _luminance(color: str) -> float:
    value = color.strip()
    if not _HEX.fullmatch(value):
        raise ValueError(f"not a #rgb or #rrggbb colour: {color!r}")
    digits = value[1:] if len(value) == 7 else "".join(c * 2 for c in value[1:])
    return luminance("#" + digits)


def _contrast_issues(pairs: list[tuple[str, str]], minimum: float) -> list[LintIssue]:
    issues = []
    for fg, bg in pairs:
        try:
            ratio = contrast_ratio(fg, bg)
        except ValueError as err:
            issues.append(LintIssue("contrast", f"cannot check {fg!r} on {bg!r}: {err}"))
            continue
        if ratio < minimum:
            issues.append(LintIssue("contrast", f"{fg} on {bg} is {ratio:.2f}:1 (minimum {minimum}:1)"))
    return issues


def _heading_issues(levels: list[int]) -> list[LintIssue]:
    if not levels:
        return [LintIssue("heading-order", "no headings: the lead story needs an h1")]
    issues = []
    if levels[0] != 1:
        issues.append(LintIssue("heading-order", f"the first heading is h{levels[0]}, not h1"))
    if levels.count(1) != 1:
        issues.append(LintIssue("heading-order", f"{levels.count(1)} h1 headings (exactly one expected)"))
    for prev, cur in pairwise(levels):
        if cur > prev + 1:
            issues.append(LintIssue("heading-order", f"h{prev} is followed by h{cur}, skipping h{prev + 1}"))
    return issues


def _link_problem(href: str) -> str:
    lower = href.lower()
    if lower.startswith("mailto:") or (lower.startswith("https://") and len(lower) > len("https://")):
        return ""
    if lower.startswith("#"):
        return "fragment link (works only on the web page)"
    if lower.startswith("http://"):
        return "insecure http:// link"
    return "link is not absolute https"


def _listen_issues(
    page: Scan, text: str, audio_url: str | None, audio_exists: Callable[[str], bool] | None
) -> list[LintIssue]:
    if audio_url is None:
        parts = (("HTML", " ".join(page.strings)), ("text", text))
        return [
            LintIssue("listen-link", f"no audio, but the {part} part still says 'Listen to Today'")
            for part, body in parts
            if LISTEN_TEXT in body.lower()
        ]
    problems = [
        "" if any((h or "").strip() == audio_url for h in page.hrefs) else "the HTML has no link to the audio",
        "" if audio_url in text else "the text part does not give the audio URL",
        "" if audio_exists is None or audio_exists(audio_url) else "the audio file does not exist",
    ]
    return [LintIssue("listen-link", f"{problem}: {audio_url}") for problem in problems if problem]
