"""Dispatch: queue one edition for 10k, 100k and 1M active subscribers; time and peak memory.

``digest.services.dispatch.dispatch`` with in-process fakes: the subscriber store yields freshly
built ``Subscriber`` records in a scrambled id order, one at a time, as a paginated DynamoDB query
does (every 20th is paused and skipped); the queue keeps only a count, the bytes and a digest of
the bodies (SQS holds them, not the function). The edition is the sample day's, rendered with the
real templates, so the lint gate runs as in production.

Time: best of 3 at 10k, one run at 100k and 1M, ``time.process_time`` (one core). Peak memory:
a second run under ``tracemalloc``, the peak of what dispatch allocated (the fakes' own input is
built on the fly and counted too, as deserialized items would be). The result is set against the
dispatch function's limits read from template.yaml (its own MemorySize/Timeout, else Globals').
These fakes cost nothing per call: in AWS the query pages and the SQS calls (one per ten
messages, counted below) come on top. ``--quick``: 10k and 100k only.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from bench.common import row
from bench.delivery import ROOT, sample_parts
from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.subscriber import Subscriber
from digest.services.dispatch import DispatchOptions, dispatch

DAY, NOW = "2026-11-28", datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
_SCRAMBLE = 0x9E3779B97F4A7C15F39CC061  # odd, so i -> i * _SCRAMBLE mod 2**96 is a bijection


class Editions:
    def __init__(self) -> None:
        self.record = EditionRecord(DAY, 1, "h", "approved", 8, "Morning Digest", NOW.isoformat())

    def latest(self, day: str) -> EditionRecord | None:
        return self.record if day == DAY else None

    def set_status(self, record: EditionRecord, expected: str) -> bool:
        if self.record.status != expected:
            return False
        self.record = record
        return True


class Blobs:
    def __init__(self, items: dict[str, bytes]) -> None:
        self.items = items

    def get(self, key: str) -> bytes | None:
        return self.items.get(key)

    def exists(self, key: str) -> bool:
        return key in self.items


class Subscribers:
    """``n`` subscribers, built as they are read (a query's pages), in no particular id order."""

    def __init__(self, n: int) -> None:
        self.n = n

    def with_status(self, status: str) -> Iterator[Subscriber]:
        for i in range(self.n):
            sid = f"sub-{i * _SCRAMBLE % (1 << 96):024x}"
            yield Subscriber(sid, f"reader{i}@example.com", status, paused=i % 20 == 19)


class Queue:
    """Counts messages and bytes and digests the bodies in order (same input, same digest)."""

    def __init__(self) -> None:
        self.messages, self.bytes, self.calls, self.digest = 0, 0, 0, hashlib.sha256()

    def send(self, bodies: object) -> int:
        count = 0
        for body in bodies:  # type: ignore[attr-defined]
            self.digest.update(body.encode())
            self.bytes += len(body)
            count += 1
        self.messages += count
        self.calls += -(-count // 10)  # SendMessageBatch takes ten
        return count


def blobs() -> Blobs:
    text, html = sample_parts(silent=True)
    return Blobs(
        {
            version_key(DAY, 1, "email-noaudio.txt"): text.encode(),
            version_key(DAY, 1, "email-noaudio.html"): html.encode(),
            version_key(DAY, 1, "edition.json"): b"{}",
        }
    )


def run(n: int, store: Blobs, traced: bool = False) -> tuple[float, int, Queue]:
    """(CPU seconds, peak bytes allocated or 0, the queue) of one dispatch to ``n`` subscribers."""
    queue = Queue()
    if traced:
        tracemalloc.start()
    began = time.process_time()
    result = dispatch(
        DAY,
        editions=Editions(),
        subscribers=Subscribers(n),
        queue=queue,
        blobs=store,
        options=DispatchOptions(batch_size=50),
        now=NOW,
    )
    seconds = time.process_time() - began
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    expected = n - n // 20
    assert result.recipients == expected and queue.messages == -(-expected // 50), result
    return seconds, peak, queue


def limits(template: Path = ROOT / "template.yaml") -> tuple[int, int]:
    """(MemorySize MB, Timeout s) of DispatchFunction: its own, else the Globals' (512, 60 if unreadable)."""
    text = template.read_text() if template.exists() else ""
    found = {"MemorySize": 512, "Timeout": 60}
    for section in (r"\nGlobals:\n(.*?)\n\S", r"\n  DispatchFunction:\n(.*?)\n  \S"):
        block = re.search(section, text, re.DOTALL)
        for name in found:
            value = block and re.search(rf"\n\s+{name}: (\d+)", "\n" + block.group(1))
            if value:
                found[name] = int(value.group(1))
    return found["MemorySize"], found["Timeout"]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    store = blobs()
    memory_mb, timeout_s = limits()
    print(
        f"dispatch: one edition to n subscribers (in-process fakes); the function has {memory_mb} MB "
        f"and {timeout_s} s (template.yaml)"
    )
    widths = (12, 12, 14, 12, 16, 14, 12)
    print(
        row(
            "subscribers",
            "CPU s",
            "µs/subscriber",
            "peak MB",
            "peak B/subscr.",
            "SQS messages",
            "SQS calls",
            widths=widths,
        )
    )
    sizes = [10_000, 100_000] + ([] if "--quick" in args else [1_000_000])
    figures = {}
    for n in sizes:
        seconds = min(run(n, store)[0] for _ in range(3 if n <= 10_000 else 1))
        _, peak, queue = run(n, store, traced=True)
        figures[n] = seconds, peak
        print(
            row(
                f"{n:,}",
                f"{seconds:.2f}",
                f"{seconds / n * 1e6:.2f}",
                f"{peak / 2**20:.1f}",
                f"{peak / n:.0f}",
                f"{queue.messages:,}",
                f"{queue.calls:,}",
                widths=widths,
            )
        )
    again = [run(10_000, store)[2].digest.hexdigest() for _ in range(2)]
    print(f"same input -> same batches: {'yes' if again[0] == again[1] else 'NO'}")
    largest = max(figures)
    seconds, peak = figures[largest]
    fits = seconds < timeout_s / 4 and peak < memory_mb * 2**20 / 4
    print(
        f"goal: {largest:,} subscribers in one invocation with room to spare (under a quarter of "
        f"{timeout_s} s and of {memory_mb} MB, before AWS calls): {'met' if fits else 'NOT met'} "
        f"({seconds:.1f} s, {peak / 2**20:.0f} MB)"
    )


if __name__ == "__main__":
    main()
