"""Ingest: the whole ingest path from fetched feed bytes to stored stories, against a bare feedparser parse.

For the same feed bytes (three agencies' feeds, no network, no DynamoDB) we time
  floor: ``feedparser.parse(data)`` alone, for each feed (feedparser's defaults, which include
         HTML sanitizing that ``parse_feed`` turns off);
  ours:  ``services.ingest.ingest`` as the ingest function runs it, with ``parse_wire`` (what
         bootstrap wires in) and in-process fakes of its ports: a fetcher that hands back the
         bytes, a story store with the DynamoDB adapter's new / updated / same rule, a feed-state
         store, a fixed clock. So: fetch result -> parse_wire (feedparser, HTML cleaning,
         identity and content hashes) -> body cap -> save each story through the StoryStore port.
Clustering and summaries are not part of ingest (assemble does them on the stored stories); they
are timed on the same stories in a separate column ("+ assemble"), as this figure counted them once.
The feeds are synthetic: the 28 sample items (AP and Reuters RSS, AFP Atom, each agency in its
own format) replicated into N stories. Each copy gets unique guids/links and a copy marker on
every word of title and body text (never inside markup: tags, attributes and character
references stay as the sample has them) except stop words, calendar words, single letters and agency names
("Lima quake" -> "Limaq7 quakeq7"). Marking only capitalized words and numbers left the 2-word
shingles equal, and MinHash merged the copies. So an event's reports from the three agencies
still cluster together within a copy (copy 0 clusters like the sample day: 17 clusters), copies
stay distinct events, and tokens a real day shares (U.S., U.N., Nov, Reuters) stay shared.
pubDates are spread over 24 hours. Sizes: 1x = 200 stories (a normal day), 10x = 2,000 (a big
day), 100x = 20,000. Best of 3 for 1x and 10x, a single run for 100x
(``python -m bench.ingest --quick`` skips it). Times are CPU seconds of this process (the floor's
and ours alike), so other work on a shared machine does not inflate either. Growth is the time ratio from the previous size
(10x the stories): linear work gives ~10x.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import partial
from pathlib import Path
from typing import Any

import feedparser

import digest
import digest_tools
from digest.core.cluster import cluster
from digest.core.fetch import Fetched
from digest.core.story import Source, Story
from digest.core.summarizer import ExtractiveSummarizer
from digest.core.wire import parse_wire
from digest.core.words import STOP_WORDS
from digest.services.ingest import ingest
from tests.unit.fakes import FakeFeedState, FakeStoryStore

PACKAGE = Path(digest.__file__).resolve().parent
FEEDS = Path(digest_tools.__file__).resolve().parent / "samples" / "feeds"
NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
# CPU seconds of this process: on a shared machine, time spent waiting for a core is not ours.
_clock = time.process_time
SIZES = (("1x", 200, 3), ("10x", 2_000, 3), ("100x", 20_000, 1))  # (label, stories, runs)

_BLOCK = re.compile(r"<item>.*?</item>|<entry>.*?</entry>", re.S)
_TEXT = re.compile(r"(<(title|description|content:encoded|content|summary)(?=[\s>])[^>]*>)(.*?)(</\2>)", re.S)
_IDS = re.compile(r"(<(guid|id|link)(?=[\s>])[^>]*>)(.*?)(</\2>)", re.S)
_HREF = re.compile(r'(<link\b[^>]*href=")([^"]*)(")')
_RSS_DATE = re.compile(r"<pubDate>.*?</pubDate>", re.S)
_ATOM_DATE = re.compile(r"<(published|updated)>.*?</\1>", re.S)
_MARKUP = re.compile(r"(<[^>]*>|&lt;.*?&gt;|&(?:amp;)*#?\w+;)", re.S)  # tags and references: never marked
_WORD = re.compile(r"(?<![&#\[\w])\w+")  # not &amp;, &#8217; or <![CDATA[
# Left unmarked: single letters, agency names (datelines), abbreviations the sentence splitter
# knows, stop words and calendar words (ignored by the clusterer; marked, they would count).
_KEEP = (
    frozenset(
        "ap afp reuters mr mrs ms dr st gen sen rep gov jan feb aug sept oct nov dec no monday tuesday "
        "wednesday thursday friday saturday sunday january february march april may june july august "
        "september october november december".split()
    )
    | STOP_WORDS
)


def sources() -> dict[str, Source]:
    return {entry["key"]: Source(**entry) for entry in json.loads((PACKAGE / "sources.json").read_text())}


def _mark(text: str, marker: str) -> str:
    def one(m: re.Match[str]) -> str:
        word = m.group()
        if word[0].isdigit() or (len(word) > 1 and word.lower() not in _KEEP):
            return word + marker
        return word

    parts = _MARKUP.split(text)  # text, tag, text, tag, ... text
    return "".join(part if i % 2 else _WORD.sub(one, part) for i, part in enumerate(parts))


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
        templates[key] = (text[: blocks[0].start()], [b.group() for b in blocks], text[blocks[-1].end() :])
    items = [(key, block) for key, (_, blocks, _) in templates.items() for block in blocks]
    parts: dict[str, list[str]] = {key: [] for key in templates}
    start = NOW - timedelta(hours=24)
    for i in range(n):
        key, block = items[i % len(items)]
        parts[key].append(_copy(block, i // len(items), start + timedelta(seconds=86_400 * i / n)))
    return {key: (head + "\n".join(parts[key]) + tail).encode("utf-8") for key, (head, _, tail) in templates.items()}


def floor(feeds: dict[str, bytes]) -> None:
    for data in feeds.values():
        feedparser.parse(data)


class _Fetcher:
    """Hands back each source's feed bytes, as the HTTP fetcher does on a 200."""

    def __init__(self, feeds: dict[str, bytes], srcs: dict[str, Source]) -> None:
        self.bodies = {srcs[key].url: data for key, data in feeds.items()}

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        return Fetched(url, 200, self.bodies[url], etag='"bench"')


class _Clock:
    def now(self) -> datetime:
        return NOW


def ours(feeds: dict[str, bytes], srcs: dict[str, Source]) -> tuple[list[float], list[Story]]:
    """Run the ingest service once over fresh fakes: ([parse, service + store] seconds, stored stories)."""
    parse_time = 0.0

    def timed_parse(data: bytes, source: Source, now: datetime):
        # The service polls sources in threads: each parse is timed on its own thread's CPU clock
        # (the process clock would count the other threads' work in every parse's interval).
        nonlocal parse_time
        start = time.thread_time()
        try:
            return parse_wire(data, source, now)
        finally:
            parse_time += time.thread_time() - start

    stories = FakeStoryStore()
    start = _clock()
    report = ingest(
        list(srcs.values()),
        fetcher=_Fetcher(feeds, srcs),
        stories=stories,
        feed_state=FakeFeedState(),
        clock=_Clock(),
        parse=timed_parse,
        force=True,
    )
    took = _clock() - start
    assert report.stored == len(stories.stories) and not report.problems, report.problems[:3]
    return [parse_time, took - parse_time], list(stories.stories.values())


def assemble_part(stories: list[Story]) -> int:
    """Cluster the stored stories and summarize every cluster, as assemble does: clusters made."""
    clusters = cluster(stories)
    summarizer = ExtractiveSummarizer()
    for c in clusters:
        summarizer.summarize(c)
    return len(clusters)


def _best(fns: dict[str, Callable[[], Any]], runs: int) -> dict[str, tuple[float, Any]]:
    """Best time (and its result) of each function over ``runs`` rounds; a round runs each function
    once, in turn, so a change in the machine's load touches every function alike."""
    best: dict[str, tuple[float, Any]] = {name: (float("inf"), None) for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            start = _clock()
            out = fn()
            took = _clock() - start
            if took < best[name][0]:
                best[name] = (took, out)
    return best


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    sizes = SIZES[:2] if "--quick" in argv else SIZES
    srcs = sources()
    print("ingest: the ingest service (fetch result -> parse_wire -> identity -> StoryStore, in-process fakes)")
    print("vs bare feedparser.parse of the same feed bytes; '+ assemble' adds clustering and summaries of the")
    print(
        "stored stories (assemble's work, not ingest's). CPU seconds; best of 3 for 1x and 10x, 100x is a single"
        " run" + (", skipped: --quick" if len(sizes) < 3 else "")
    )
    head = (
        "size",
        "stories",
        "clusters",
        "KiB",
        "feedparser s",
        "ingest s",
        "ratio",
        "+ assemble",
        "growth fp",
        "growth ingest",
    )
    widths = (6, 9, 10, 8, 14, 10, 8, 12, 11, 14)
    print("".join(f"{h:<{w}}" for h, w in zip(head, widths)))
    prev = None
    shares = []
    for label, n, runs in sizes:
        feeds = synthetic_feeds(n)
        kib = sum(map(len, feeds.values())) / 1024
        best = _best({"floor": partial(floor, feeds), "ingest": partial(ours, feeds, srcs)}, runs)
        fp, (took, (stages, stored)) = best["floor"][0], best["ingest"]
        assembled, clusters = _best({"assemble": partial(assemble_part, stored)}, runs)["assemble"]
        growth = ("-", "-") if prev is None else (f"{fp / prev[0]:.1f}x", f"{took / prev[1]:.1f}x")
        cells = (
            label,
            len(stored),
            clusters,
            f"{kib:.0f}",
            f"{fp:.3f}",
            f"{took:.3f}",
            f"{took / fp:.2f}",
            f"{(took + assembled) / fp:.2f}",
            *growth,
        )
        print("".join(f"{str(c):<{w}}" for c, w in zip(cells, widths)), flush=True)
        shares.append((label, [*stages, assembled]))
        prev = (fp, took)
    print("where the time goes (share of ingest; assemble in seconds beside it):")
    for label, (parse, store, assembled) in shares:
        total = parse + store
        print(
            f"  {label:<6}parse_wire {parse / total:5.1%} ({parse:.3f}s)  service + store {store / total:5.1%} "
            f"({store:.3f}s)   assemble {assembled:.3f}s"
        )
    print("goal: ingest within 1.5x of the bare feedparser parse at every size, growth close to linear (≈10x per 10x)")


if __name__ == "__main__":
    main()
