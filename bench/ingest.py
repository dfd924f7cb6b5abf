"""Ingest: the whole path from feed bytes to summarized clusters, against a bare feedparser parse.

For the same feed bytes (three agencies' feeds, no network, no DynamoDB) we time
  floor: ``feedparser.parse(data)`` alone, for each feed (feedparser's defaults, which include
         HTML sanitizing that ``parse_feed`` turns off);
  ours:  ``parse_wire(data, source, now)`` for each feed (feedparser + HTML cleaning with bs4 +
         identity), then ``cluster(stories)``, then ``ExtractiveSummarizer().summarize(c)`` for
         every cluster.
The feeds are synthetic: the 28 sample items (AP and Reuters RSS, AFP Atom, each agency in its
own format) replicated into N stories. Each copy gets unique guids/links and a copy marker on
every word of title and body except stop words, calendar words, single letters and agency names
("Lima quake" -> "Limaq7 quakeq7"). Marking only capitalized words and numbers left the 2-word
shingles equal, and MinHash merged the copies. So an event's reports from the three agencies
still cluster together within a copy (copy 0 clusters like the sample day: 17 clusters), copies
stay distinct events, and tokens a real day shares (U.S., U.N., Nov, Reuters) stay shared.
pubDates are spread over 24 hours. Sizes: 1x = 200 stories (a normal day), 10x = 2,000 (a big
day), 100x = 20,000. Best of 3 for 1x and 10x, a single run for 100x (about 1.5 minutes here;
``python -m bench.ingest --quick`` skips it). Growth is the time ratio from the previous size
(10x the stories): linear work gives ~10x.
"""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import feedparser

import digest
from digest.core.cluster import cluster
from digest.core.words import STOP_WORDS
from digest.core.story import Source, Story
from digest.core.summarizer import ExtractiveSummarizer
from digest.core.wire import parse_wire

PACKAGE = Path(digest.__file__).resolve().parent
FEEDS = PACKAGE / "samples" / "feeds"
NOW = datetime(2026, 11, 28, 6, 0, tzinfo=timezone.utc)
SIZES = (("1x", 200, 3), ("10x", 2_000, 3), ("100x", 20_000, 1))  # (label, stories, runs)

_BLOCK = re.compile(r"<item>.*?</item>|<entry>.*?</entry>", re.S)
_TEXT = re.compile(r"(<(title|description|content:encoded|content|summary)(?=[\s>])[^>]*>)(.*?)(</\2>)", re.S)
_IDS = re.compile(r"(<(guid|id|link)(?=[\s>])[^>]*>)(.*?)(</\2>)", re.S)
_HREF = re.compile(r'(<link\b[^>]*href=")([^"]*)(")')
_RSS_DATE = re.compile(r"<pubDate>.*?</pubDate>", re.S)
_ATOM_DATE = re.compile(r"<(published|updated)>.*?</\1>", re.S)
_WORD = re.compile(r"(?<![&#\[\w])\w+")  # not &amp;, &#8217; or <![CDATA[
# Left unmarked: single letters, agency names (datelines), abbreviations the sentence splitter
# knows, stop words and calendar words (ignored by the clusterer; marked, they would count).
_KEEP = frozenset(
    "ap afp reuters mr mrs ms dr st gen sen rep gov jan feb aug sept oct nov dec no monday tuesday "
    "wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december".split()
) | STOP_WORDS


def sources() -> dict[str, Source]:
    return {entry["key"]: Source(**entry) for entry in json.loads((PACKAGE / "sources.json").read_text())}


def _mark(text: str, marker: str) -> str:
    def one(m: re.Match[str]) -> str:
        word = m.group()
        if word[0].isdigit() or (len(word) > 1 and word.lower() not in _KEEP):
            return word + marker
        return word
    return _WORD.sub(one, text)


def _unique(value: str, copy: int) -> str:
    value = value.strip()
    if "://" not in value:
        return f"{value}-c{copy}"
    base, sep, query = value.partition("?")
    return f"{base.rstrip('/')}/c{copy}{sep}{query}"


def _copy(block: str, copy: int, when: datetime) -> str:
    marker = f"q{copy}"
    block = _TEXT.sub(lambda m: m.group(1) + _mark(m.group(3), marker) + m.group(4), block)
    block = _IDS.sub(lambda m: m.group(1) + _unique(m.group(3), copy) + m.group(4), block)
    block = _HREF.sub(lambda m: m.group(1) + _unique(m.group(2), copy) + m.group(3), block)
    block = _RSS_DATE.sub(f"<pubDate>{format_datetime(when)}</pubDate>", block)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return _ATOM_DATE.sub(lambda m: f"<{m.group(1)}>{stamp}</{m.group(1)}>", block)


def synthetic_feeds(n: int) -> dict[str, bytes]:
    """Feed bytes per source key holding ``n`` stories in all: story i is sample item i % 28 of
    copy i // 28, published ``24h * i / n`` after the start of the day before ``NOW``."""
    templates = {}
    for key in sources():
        text = (FEEDS / f"{key}.xml").read_text(encoding="utf-8")
        blocks = list(_BLOCK.finditer(text))
        templates[key] = (text[: blocks[0].start()], [b.group() for b in blocks], text[blocks[-1].end():])
    items = [(key, block) for key, (_, blocks, _) in templates.items() for block in blocks]
    parts: dict[str, list[str]] = {key: [] for key in templates}
    start = NOW - timedelta(hours=24)
    for i in range(n):
        key, block = items[i % len(items)]
        parts[key].append(_copy(block, i // len(items), start + timedelta(seconds=86_400 * i / n)))
    return {key: (head + "\n".join(parts[key]) + tail).encode("utf-8")
            for key, (head, _, tail) in templates.items()}


def floor(feeds: dict[str, bytes]) -> None:
    for data in feeds.values():
        feedparser.parse(data)


def ours(feeds: dict[str, bytes], srcs: dict[str, Source]) -> tuple[list[float], int, int]:
    """Run the path once: ([parse+clean, cluster, summarize] seconds, stories, clusters)."""
    t0 = time.perf_counter()
    stories: list[Story] = []
    for key, data in feeds.items():
        stories += parse_wire(data, srcs[key], NOW).stories
    t1 = time.perf_counter()
    clusters = cluster(stories)
    t2 = time.perf_counter()
    summarizer = ExtractiveSummarizer()
    for c in clusters:
        summarizer.summarize(c)
    t3 = time.perf_counter()
    return [t1 - t0, t2 - t1, t3 - t2], len(stories), len(clusters)


def _best(fn, runs: int):
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        took = time.perf_counter() - start
        if took < best:
            best, result = took, out
    return best, result


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    sizes = SIZES[:2] if "--quick" in argv else SIZES
    srcs = sources()
    print("ingest: parse_wire + cluster + summarize vs bare feedparser.parse, same feed bytes")
    print("(best of 3 for 1x and 10x; 100x is a single run" + (", skipped: --quick)" if len(sizes) < 3 else ")"))
    head = ("size", "stories", "clusters", "KiB", "feedparser s", "ours s", "ratio", "growth fp", "growth ours")
    widths = (6, 9, 10, 8, 14, 10, 8, 11, 12)
    print("".join(f"{h:<{w}}" for h, w in zip(head, widths)))
    prev = None
    shares = []
    for label, n, runs in sizes:
        feeds = synthetic_feeds(n)
        kib = sum(map(len, feeds.values())) / 1024
        fp, _ = _best(lambda: floor(feeds), runs)
        took, (stages, count, clusters) = _best(lambda: ours(feeds, srcs), runs)
        growth = ("-", "-") if prev is None else (f"{fp / prev[0]:.1f}x", f"{took / prev[1]:.1f}x")
        cells = (label, count, clusters, f"{kib:.0f}", f"{fp:.3f}", f"{took:.3f}", f"{took / fp:.2f}", *growth)
        print("".join(f"{str(c):<{w}}" for c, w in zip(cells, widths)), flush=True)
        shares.append((label, stages))
        prev = (fp, took)
    print("where ours goes (share of ours):")
    for label, stages in shares:
        total = sum(stages)
        print(f"  {label:<6}" + "  ".join(f"{name} {s / total:5.1%} ({s:.3f}s)" for name, s in
                                          zip(("parse+clean", "cluster", "summarize"), stages)))
    print("goal: whole path within 3x of the bare feedparser parse, growth close to linear (≈10x per 10x)")


if __name__ == "__main__":
    main()
