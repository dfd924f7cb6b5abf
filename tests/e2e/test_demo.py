"""The whole morning through the CLI, as a newcomer runs it."""

from __future__ import annotations

import email
import email.policy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIGEST = str(Path(sys.executable).parent / "digest")
SAMPLES = ROOT / "layers/digest/digest_tools/samples"


def _digest(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([DIGEST, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "edition"
    first = _digest("demo", "--out", str(out), "--date", "2026-11-28", cwd=out.parent)
    second = _digest("demo", "--out", str(out), "--date", "2026-11-28", cwd=out.parent)
    return out, first, second


def test_demo_succeeds_twice_and_says_where_the_edition_is(demo_runs):
    out, first, second = demo_runs
    for run in (first, second):
        assert run.returncode == 0, run.stdout + run.stderr
        assert str(out) in run.stdout


def test_demo_email_html_has_the_stories_and_the_listen_link(demo_runs):
    out, _, _ = demo_runs
    page = (out / "email.html").read_text("utf-8")
    assert len(re.findall(r"<h[12][ >]", page)) >= 5
    assert "Listen to Today&#39;s Edition" in page or "Listen to Today's Edition" in page
    assert "https://news.example.org/digest/2026-11-28/edition.mp3" in page
    assert re.search(r"reported\.|according to", page)
    assert (out / "email.txt").read_text("utf-8").strip()
    assert "<audio" in (out / "index.html").read_text("utf-8")


def test_demo_audio_is_a_real_mp3_with_a_chapter_per_story(demo_runs):
    import feedparser
    from mutagen.mp3 import MP3

    from tests.support.id3 import read_chapters

    out, first, _ = demo_runs
    audio = MP3(str(out / "edition.mp3"))
    if "placeholder" in first.stdout:
        pytest.skip("espeak-ng/lame are not installed here: the demo wrote the silent placeholder")
    assert audio.info.length > 30, "a narrated edition of several stories lasts well over half a minute"
    headlines = re.findall(r"<h[12][^>]*>\s*(.*?)\s*</h[12]>", (out / "email.html").read_text("utf-8"), re.S)
    chapters = read_chapters((out / "edition.mp3").read_bytes())
    assert len(chapters) == len(headlines) >= 5
    assert [start for _, start, _ in chapters] == sorted(start for _, start, _ in chapters)
    podcast = feedparser.parse((out / "podcast.xml").read_bytes())
    assert not podcast.bozo and len(podcast.entries) == 1
    enclosure = podcast.entries[0].enclosures[0]
    assert int(enclosure["length"]) == (out / "edition.mp3").stat().st_size and enclosure["type"] == "audio/mpeg"
    assert "Amazon Polly" in first.stdout and "would bill" in first.stdout


def test_demo_writes_one_valid_eml_per_sample_subscriber(demo_runs):
    out, _, _ = demo_runs
    subscribers = json.loads((SAMPLES / "subscribers.json").read_text("utf-8"))
    emls = sorted((out / "emails").glob("*.eml"))
    assert len(emls) == len(subscribers)
    recipients = set()
    for path in emls:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        assert re.fullmatch(r"<https://[^>]+/unsubscribe/[^>]+>", message["List-Unsubscribe"])
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        recipients.add(str(message["To"]))
    assert recipients == {s["email"] for s in subscribers}


def test_feeds_check_reports_a_broken_feed_as_data(tmp_path):
    run = _digest("feeds", "check", str(SAMPLES / "broken/truncated.xml"), str(tmp_path / "missing.xml"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    kinds = {(line["type"], line.get("kind")) for line in lines}
    assert ("problem", "malformed") in kinds and ("problem", "fetch") in kinds
    assert any(line["type"] == "story" for line in lines)


def test_feeds_check_without_arguments_is_a_usage_error(tmp_path):
    run = _digest("feeds", "check", cwd=tmp_path)
    assert run.returncode == 2 and "PATH_OR_URL" in run.stderr


@pytest.mark.parametrize("name", ["00:30 UTC", "23:59 New York", "spring forward"])
def test_demo_without_a_date_gives_the_full_edition_of_the_newsrooms_day_at_any_hour(tmp_path, name):
    """``DIGEST_NOW`` pins the demo's clock: the edition is today's in New York, not the UTC date."""
    import os

    from digest.core.schedule import edition_day
    from tests.conftest import INSTANTS

    when = INSTANTS[name]
    out = tmp_path / "edition"
    run = subprocess.run(
        [DIGEST, "demo", "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "DIGEST_NOW": when.isoformat()},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    day = edition_day(when, "America/New_York").isoformat()
    assert f"{day}/edition.mp3" in (out / "email.html").read_text("utf-8")
    assert len(list((out / "emails").glob("*.eml"))) == 5
    assert "held" not in run.stdout


def test_demo_on_given_feeds_builds_the_edition_from_them_as_they_are(tmp_path):
    """Three feed files on the command line: the morning runs on them (their own dates, no shifting),
    and a feed that is not a configured source is credited by its own title."""
    feeds = []
    for name in ("ap.xml", "afp.xml", "reuters.xml"):
        text = (SAMPLES / "feeds" / name).read_text("utf-8")
        if name == "ap.xml":
            text = text.replace("<title>AP Top News (sample)</title>", "<title>Harbour Wire</title>", 1)
        (tmp_path / name).write_text(text, "utf-8")
        feeds.append(name)
    run = _digest("demo", "--feeds", *feeds, "--date", "2026-11-28", "--out", "try", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout) == {"out": str(tmp_path / "try"), "status": 0}
    assert "ingesting 3 given feeds as they are: Harbour Wire" in run.stderr
    text = (tmp_path / "try" / "email.txt").read_text("utf-8")
    assert "Harbour Wire reported" in text or "according to Harbour Wire" in text
    assert not re.search(r"\b(ap|afp|reuters) reported", text)
    assert len(list((tmp_path / "try" / "emails").glob("*.eml"))) == 5


def test_demo_on_feeds_of_another_day_says_why_there_is_no_edition(tmp_path):
    (tmp_path / "ap.xml").write_text((SAMPLES / "feeds" / "ap.xml").read_text("utf-8"), "utf-8")
    run = _digest("demo", "--feeds", "ap.xml", "--date", "2026-11-20", "--out", "try", cwd=tmp_path)
    assert run.returncode == 1 and "no stories in the window" in run.stderr and "--date" in run.stderr


def test_feeds_check_names_an_unconfigured_feed_by_its_title_never_its_file_name(tmp_path):
    (tmp_path / "wire-7.xml").write_text((SAMPLES / "feeds" / "reuters.xml").read_text("utf-8"), "utf-8")
    run = _digest("feeds", "check", "wire-7.xml", cwd=tmp_path)
    stories = [json.loads(line) for line in run.stdout.splitlines() if '"type": "story"' in line]
    assert run.returncode == 0 and stories
    assert {s["agency"] for s in stories} == {"Reuters World News (sample)"}
    assert not any("wire-7 reported" in s["summary"] for s in stories)
