"""Edition build: what ``services.assemble`` does to build an edition, against a bare Jinja2 render of its email.

For editions of 5, 20 and 100 stories, from the same pre-built clusters (a normal synthetic day:
200 stories from the ingest bench's replicated sample feeds, each with the reading ingest stores
with it, clustered once, outside the timing):
  floor: ``env.get_template("email.html.j2").render(edition=..., brand=..., recipient=...)`` with a
         plain ``jinja2.Environment(loader=FileSystemLoader(templates), autoescape=True)``, given the
         already planned edition;
  ours:  the build as ``assemble`` runs it once the clusters are there: ``plan_edition`` (select
         eligible clusters, rank, summarize the chosen), ``apply_overrides`` (none stored),
         ``content_hash``, ``render_edition`` (email HTML with CSS inlining, with and without the
         Listen link; email text, both variants; SSML), ``lint_edition`` (``audio_exists`` None, as
         assemble calls it) and the version's files encoded as ``blobs.put`` stores them
         (``version_files``, including edition.json). The web copy is not part of a build: it is
         rendered when the edition is published (with the audio public then).
Both environments are created (and their templates compiled) once, before timing. Best of 7, in
wall time (the ratio column) and in this process's CPU time (cpu ratio: steadier when other work
shares the machine; css-inline runs in this thread, so its time counts).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import jinja2

from bench.common import best_of, row
from bench.ingest import NOW, sources, synthetic_feeds
from digest.config import TEMPLATES
from digest.core.cluster import Cluster, cluster
from digest.core.edition import Brand, Edition
from digest.core.lint import LintIssue, lint_edition
from digest.core.overrides import Overrides, apply_overrides
from digest.core.ranking import plan_edition
from digest.core.reading import with_reading
from digest.core.render import PREFERENCES_SLOT, UNSUBSCRIBE_SLOT, Recipient, Rendered, environment, render_edition
from digest.core.summarizer import ExtractiveSummarizer
from digest.core.wire import parse_wire
from digest.services.assemble import version_files

DAY = date(2026, 11, 28)
BASE_URL = "https://news.example.org/digest"
SIZES = (5, 20, 100)
DAY_STORIES = 200


def day_clusters(n: int = DAY_STORIES) -> list[Cluster]:
    """The day's clusters of stories as ingest stores them (each carrying its reading)."""
    srcs = sources()
    stories = [s for key, data in synthetic_feeds(n).items() for s in parse_wire(data, srcs[key], NOW).stories]
    return cluster([with_reading(s) for s in stories])


def best_cpu(fn: Callable[[], object], repeat: int) -> float:
    """The least CPU time of ``repeat`` runs of ``fn``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def plan(clusters: list[Cluster], size: int, brand: Brand) -> Edition:
    edition = plan_edition(DAY, clusters, NOW, BASE_URL, size, brand.name)
    assert edition is not None
    return edition


def finish(planned: Edition, overrides: Overrides) -> tuple[Edition, str]:
    """assemble's steps between planning and rendering: the editor's overrides, the content hash."""
    edition = apply_overrides(planned, overrides)
    return replace(edition, version=1), edition.content_hash()


def store(edition: Edition, rendered: Rendered) -> dict[str, bytes]:
    return {name: body.encode("utf-8") for name, (body, _) in version_files(edition, rendered, None).items()}


def build(
    clusters: list[Cluster],
    size: int,
    brand: Brand,
    env: jinja2.Environment,
) -> tuple[Edition, Rendered, list[LintIssue], dict[str, bytes]]:
    """The whole build, step by step as assemble runs it."""
    edition, _ = finish(plan(clusters, size, brand), Overrides())
    rendered = render_edition(env, edition, brand)
    issues = lint_edition(rendered, edition, brand, audio_exists=None)
    return edition, rendered, issues, store(edition, rendered)


def main(repeat: int = 7) -> None:
    brand = Brand()
    clusters = day_clusters()
    ours_env = environment(TEMPLATES)
    bare_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    slots = Recipient(UNSUBSCRIBE_SLOT, PREFERENCES_SLOT)

    def bare(edition: Edition) -> str:
        return bare_env.get_template("email.html.j2").render(edition=edition, brand=brand, recipient=slots)

    print(
        "edition: plan + overrides + hash + render (email HTML and text, both variants, css-inline; SSML) + lint + files"
    )
    print("         vs bare Jinja2 render of email.html.j2")
    print(f"(clusters of a {DAY_STORIES}-story synthetic day: {len(clusters)}; best of {repeat})")
    widths = (10, 12, 12, 9, 11, 11, 12)
    print(row("stories", "floor s", "ours s", "ratio", "cpu ratio", "email KiB", "lint issues", widths=widths))
    stages, floor_cpu = [], {}
    for size in SIZES:
        edition, rendered, issues, _ = build(clusters, size, brand, ours_env)  # warm up: compiles every template
        bare(edition)
        floor = best_of(lambda edition=edition: bare(edition), repeat)
        took = best_of(lambda size=size: build(clusters, size, brand, ours_env), repeat)
        floor_cpu[size] = best_cpu(lambda edition=edition: bare(edition), repeat)
        cpu = best_cpu(lambda size=size: build(clusters, size, brand, ours_env), repeat) / floor_cpu[size]
        kib = len(rendered.email_html.encode()) / 1024
        print(
            row(
                len(edition.all_stories),
                f"{floor:.5f}",
                f"{took:.5f}",
                f"{took / floor:.1f}",
                f"{cpu:.1f}",
                f"{kib:.0f}",
                ",".join(sorted({i.rule for i in issues})) or "none",
                widths=widths,
            )
        )
        stages.append((size, _stages(clusters, size, brand, ours_env, repeat)))
    print("where ours goes (share of the summed best-of stage times, each stage timed alone):")
    for size, parts in stages:
        total = sum(parts.values())
        print(f"  {size:<5}" + "  ".join(f"{k} {v / total:5.1%} ({v * 1000:.1f} ms)" for k, v in parts.items()))
    print("plan's summaries (the chosen clusters summarized, CPU best-of; no memo outlives one summary):")
    for size, _ in stages:
        summaries, planning = _summaries(clusters, size, brand, repeat)
        print(
            f"  {size:<5}summaries {summaries * 1000:.1f} ms cpu, {summaries / planning:.0%} of plan's cpu,"
            f" {summaries / floor_cpu[size]:.1f}x the bare render by themselves"
        )
    print("goal: within 10x the bare render")


def _stages(clusters: list[Cluster], size: int, brand: Brand, env: jinja2.Environment, repeat: int) -> dict[str, float]:
    """Best-of time of each stage of the build, run separately on the same edition."""
    planned = plan(clusters, size, brand)
    edition, _ = finish(planned, Overrides())
    rendered = render_edition(env, edition, brand)
    return {
        "plan": best_of(lambda: plan(clusters, size, brand), repeat),
        "render": best_of(lambda: render_edition(env, edition, brand), repeat),
        "lint": best_of(lambda: lint_edition(rendered, edition, brand, audio_exists=None), repeat),
        "hash+files": best_of(lambda: (finish(planned, Overrides()), store(edition, rendered)), repeat),
    }


def _summaries(clusters: list[Cluster], size: int, brand: Brand, repeat: int) -> tuple[float, float]:
    """CPU best-of of summarizing the clusters the plan chose, and of the whole plan."""
    ids = {story.cluster_id for story in plan(clusters, size, brand).all_stories}
    chosen = [c for c in clusters if c.cluster_id in ids]
    summarizer = ExtractiveSummarizer()
    took = best_cpu(lambda: [summarizer.summarize(c) for c in chosen], repeat)
    return took, best_cpu(lambda: plan(clusters, size, brand), repeat)


if __name__ == "__main__":
    main()
