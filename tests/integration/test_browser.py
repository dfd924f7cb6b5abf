"""The rendered email and web page in a real browser: headless Chromium screenshots them.

Pillow is not a dependency, so the PNGs are checked with the standard library: signature and
IHDR size, "not blank" by comparing against the same page with the story text taken out, and the
background colour (light and dark mode) from the top-left pixel.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from digest.adapters.browser import find_chromium, screenshot
from digest.core.edition import Brand, Edition, EditionStory, Link
from digest.core.render import environment, render_edition, render_web
from digest.errors import DigestError

pytestmark = pytest.mark.skipif(
    find_chromium() is None, reason="Chromium is not installed: scripts/system-deps.sh installs it (as root)"
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
BASE = "https://news.example.org/digest"
WIDTH, HEIGHT = 800, 2400
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WHITE, DARK = (0xFF, 0xFF, 0xFF), (0x12, 0x12, 0x12)  # the templates' light and dark backgrounds

HEADLINES = [
    "Storm closes coastal highways as crews race to restore power",
    "Central bank holds rates steady and signals patience into spring",
    "City council approves late-night bus routes after long debate",
    "Researchers map a vast coral reef off the northern shelf",
    "Rail workers and operators reach a tentative wage agreement",
    "Local orchestra announces a free season of park concerts",
]


def _edition() -> Edition:
    stories = [
        EditionStory(
            anchor=f"story-{i}",
            cluster_id=f"c{i}",
            headline=headline,
            summary=f"{headline}, officials said on Friday. " * 3 + "More details are expected later today.",
            agencies=["Associated Press", "Reuters"],
            links=[
                Link("Associated Press", f"https://ap.example/{i}"),
                Link("Reuters", f"https://reuters.example/{i}"),
            ],
        )
        for i, headline in enumerate(HEADLINES, start=1)
    ]
    return Edition(
        date="2026-11-28",
        date_label="Saturday, November 28, 2026",
        title="Morning Digest",
        lang="en",
        preheader=" \u00b7 ".join(HEADLINES[:3]),
        web_url=f"{BASE}/2026-11-28/index.html",
        audio_url=f"{BASE}/2026-11-28/edition.mp3",
        lead=stories[0],
        stories=stories[1:],
    )


def _without_story_text(edition: Edition) -> Edition:
    def bare(story: EditionStory) -> EditionStory:
        return replace(story, headline="", summary="", links=[])

    return replace(edition, lead=bare(edition.lead), stories=[bare(s) for s in edition.stories])


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """email.html and web.html of a six-story edition, and the same pages with no story text."""
    env = environment(TEMPLATES)
    out = tmp_path_factory.mktemp("pages")
    paths = {}
    for variant, edition in (("full", _edition()), ("bare", _without_story_text(_edition()))):
        rendered = render_edition(env, edition, Brand())
        for page, html in (("email", rendered.email_html), ("web", render_web(env, edition, Brand()))):
            path = out / variant / f"{page}.html"
            path.parent.mkdir(exist_ok=True)
            path.write_text(html, encoding="utf-8")
            paths[f"{variant}-{page}"] = path
    return paths


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, after checking the PNG signature."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    length, kind, width, height = struct.unpack(">I4sII", data[8:24])
    assert (length, kind) == (13, b"IHDR"), "a PNG starts with its IHDR chunk"
    return width, height


def top_left_pixel(data: bytes) -> tuple[int, int, int]:
    """RGB of pixel (0, 0) of an 8-bit RGB/RGBA PNG. Every PNG row filter predicts the first pixel
    of the first row from zeros, so its bytes come out of the zlib stream unfiltered."""
    depth, colour_type = data[24], data[25]
    assert depth == 8 and colour_type in (2, 6), f"unexpected PNG format {depth}/{colour_type}"
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    row = zlib.decompressobj().decompress(idat, 4)  # filter byte, then R, G, B
    return row[1], row[2], row[3]


@pytest.mark.parametrize("page", ["email", "web"])
def test_page_screenshots_at_full_width_with_its_stories_drawn(pages, tmp_path, page):
    full = screenshot(pages[f"full-{page}"], tmp_path / "full.png", WIDTH, HEIGHT).read_bytes()
    bare = screenshot(pages[f"bare-{page}"], tmp_path / "bare.png", WIDTH, HEIGHT).read_bytes()

    assert png_size(full) == (WIDTH, HEIGHT)
    assert png_size(bare) == (WIDTH, HEIGHT)
    assert top_left_pixel(full) == WHITE
    # Six stories of text compress far worse than the same page without them: the text was drawn.
    assert full != bare
    assert len(full) > 1.5 * len(bare), (len(full), len(bare))


@pytest.mark.parametrize("page", ["email", "web"])
def test_page_follows_dark_mode(pages, tmp_path, page):
    dark = screenshot(
        pages[f"full-{page}"], tmp_path / "dark.png", WIDTH, HEIGHT, extra_flags=("--force-dark-mode",)
    ).read_bytes()

    assert png_size(dark) == (WIDTH, HEIGHT)
    assert top_left_pixel(dark) == DARK


def test_screenshot_failure_is_a_digest_error(pages, tmp_path):
    with pytest.raises(DigestError, match="took over"):
        screenshot(pages["full-web"], tmp_path / "never.png", timeout=0.01)
    assert not (tmp_path / "never.png").exists()
