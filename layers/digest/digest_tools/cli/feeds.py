"""``digest feeds check``: parse without storing; stories and problems as JSON lines."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from digest.core.attribution import summarize
from digest.core.cluster import cluster
from digest.core.story import Problem, Source
from digest.core.wire import parse_wire
from digest_tools.cli.demo_feeds import feed_name
from digest_tools.local.clock import local_clock


def _read(target: str) -> tuple[bytes | None, str]:
    if target.startswith(("http://", "https://")):
        from digest.adapters.http_fetch import HttpFetcher

        fetched = HttpFetcher(allow_loopback=True).fetch(target)
        return fetched.body, fetched.error or ""
    try:
        return Path(target).read_bytes(), ""
    except OSError as exc:
        return None, f"cannot read {target}: {exc.strerror or exc}"


def check_feeds(targets: list[str], out: TextIO) -> int:
    now = local_clock().now()
    stories, problems = [], []
    for target in targets:
        name = Path(target.rstrip("/")).stem or target
        data, error = _read(target)
        if data is None:
            problems.append(Problem(name, "fetch", error))
            continue
        agency = feed_name(data, name)  # the feed's own title or author, never a file name or key
        result = parse_wire(data, Source(name, agency, agency, target), now)
        stories.extend(result.stories)
        problems.extend(result.problems)
    cluster_of = {s.story_id: c.cluster_id for c in cluster(stories) for s in c.stories}
    for story in stories:
        record = {
            "type": "story",
            "id": story.story_id,
            "agency": story.agency,
            "title": story.title,
            "published": story.published.isoformat(),
            "embargo": story.embargo.isoformat() if story.embargo else None,
            "status": story.status,
            "version": story.version,
            "urgency": story.urgency,
            "url": story.url,
            "summary": summarize(story),
            "cluster": cluster_of[story.story_id],
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    for problem in problems:
        out.write(json.dumps({"type": "problem", **asdict(problem)}, ensure_ascii=False) + "\n")
    return 0
