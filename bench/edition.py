"""Edition build: plan + render + lint of an edition, against a bare Jinja2 render of its email.

For editions of 5, 20 and 100 stories, from the same pre-built clusters (a normal synthetic day:
200 stories from the ingest bench's replicated sample feeds, clustered once, outside the timing):
  floor: ``env.get_template("email.html.j2").render(edition=..., brand=..., recipient=...)`` with a
         plain ``jinja2.Environment(loader=FileSystemLoader(templates), autoescape=True)``, given the
         already planned edition;
  ours:  the full build: ``plan_edition`` (select eligible clusters, rank, summarize the chosen) +
         ``render_edition`` (email HTML with CSS inlining, email text, web page, SSML) +
         ``lint_edition`` (bs4 parse of the email; ``audio_exists`` always true).
Both environments are created (and their templates compiled) once, before timing. Best of 5.
"""

from __future__ import annotations

from datetime import date

import jinja2

from bench.common import best_of, row
from bench.ingest import NOW, sources, synthetic_feeds
from digest.config import REPO_TEMPLATES
from digest.core.cluster import cluster
from digest.core.edition import Brand
from digest.core.ranking import plan_edition
from digest.core.lint import lint_edition
from digest.core.render import PREFERENCES_SLOT, UNSUBSCRIBE_SLOT, Recipient, environment, render_edition
from digest.core.wire import parse_wire

DAY = date(2026, 11, 28)
BASE_URL = "https://news.example.org/digest"
SIZES = (5, 20, 100)
DAY_STORIES = 200


def day_clusters(n: int = DAY_STORIES):
    srcs = sources()
    stories = [s for key, data in synthetic_feeds(n).items() for s in parse_wire(data, srcs[key], NOW).stories]
    return cluster(stories)


def main(repeat: int = 5) -> None:
    brand = Brand()
    clusters = day_clusters()
    ours_env = environment(REPO_TEMPLATES)
    bare_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(REPO_TEMPLATES)), autoescape=True)
    slots = Recipient(UNSUBSCRIBE_SLOT, PREFERENCES_SLOT)

    def build(size: int):
        edition = plan_edition(DAY, clusters, NOW, BASE_URL, size, brand.name)
        rendered = render_edition(ours_env, edition, brand)
        return edition, rendered, lint_edition(rendered, edition, brand, audio_exists=lambda url: True)

    def bare(edition) -> str:
        return bare_env.get_template("email.html.j2").render(edition=edition, brand=brand, recipient=slots)

    print("edition: plan + render (4 templates, css-inline) + lint vs bare Jinja2 render of email.html.j2")
    print(f"(clusters of a {DAY_STORIES}-story synthetic day: {len(clusters)}; best of {repeat})")
    print(row("stories", "floor s", "ours s", "ratio", "email KiB", "lint issues", widths=(10, 12, 12, 9, 11, 12)))
    stages = []
    for size in SIZES:
        edition, rendered, issues = build(size)  # warm up: compiles every template once
        bare(edition)
        floor = best_of(lambda: bare(edition), repeat)
        took = best_of(lambda: build(size), repeat)
        kib = len(rendered.email_html.encode()) / 1024
        print(row(len(edition.all_stories), f"{floor:.5f}", f"{took:.5f}", f"{took / floor:.1f}", f"{kib:.0f}",
                  ",".join(sorted({i.rule for i in issues})) or "none", widths=(10, 12, 12, 9, 11, 12)))
        stages.append((size, _stages(clusters, size, brand, ours_env, repeat)))
    print("where ours goes (share of the summed best-of stage times, each stage timed alone):")
    for size, parts in stages:
        total = sum(parts.values())
        print(f"  {size:<5}" + "  ".join(f"{k} {v / total:5.1%} ({v * 1000:.1f} ms)" for k, v in parts.items()))
    print("goal: within 10x the bare render")


def _stages(clusters, size: int, brand: Brand, env: jinja2.Environment, repeat: int) -> dict[str, float]:
    """Best-of time of each stage of the build, run separately on the same edition."""
    edition = plan_edition(DAY, clusters, NOW, BASE_URL, size, brand.name)
    rendered = render_edition(env, edition, brand)
    return {
        "plan": best_of(lambda: plan_edition(DAY, clusters, NOW, BASE_URL, size, brand.name), repeat),
        "render": best_of(lambda: render_edition(env, edition, brand), repeat),
        "lint": best_of(lambda: lint_edition(rendered, edition, brand, audio_exists=lambda url: True), repeat),
    }


if __name__ == "__main__":
    main()
