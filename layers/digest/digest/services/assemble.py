"""Assemble: pick the day's stories, render every format, store a new version when it changed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import jinja2
from aws_lambda_powertools import Logger

from digest.core.cluster import cluster
from digest.core.edition import Brand, plan_edition, site_key, version_key
from digest.core.render import render_edition
from digest.ports import BlobStore, Clock, EditionRecord, EditionStore, StoryStore

logger = Logger(child=True)

DRAFT, HELD = "draft", "held"


@dataclass(frozen=True)
class AssembleOptions:
    public_base_url: str
    max_stories: int = 8
    min_stories: int = 3
    window_hours: int = 24


@dataclass(frozen=True)
class AssembleResult:
    record: EditionRecord | None
    created: bool
    reason: str = ""


def assemble(
    day: date,
    *,
    stories: StoryStore,
    editions: EditionStore,
    blobs: BlobStore,
    env: jinja2.Environment,
    brand: Brand,
    options: AssembleOptions,
    clock: Clock,
) -> AssembleResult:
    """Build the edition of ``day`` from the stories of the last ``window_hours``.

    Rebuilding with nothing changed returns the stored version and writes nothing.
    """
    now = clock.now()
    recent = stories.between(now - timedelta(hours=options.window_hours), now)
    edition = plan_edition(day, cluster(recent), now, options.public_base_url, options.max_stories, brand.name)
    if edition is None:
        logger.warning("no stories for the edition", extra={"edition_date": day.isoformat()})
        return AssembleResult(None, False, "no stories in the window")
    digest = edition.content_hash()
    latest = editions.latest(edition.date)
    if latest is not None and latest.content_hash == digest:
        return AssembleResult(latest, False, "unchanged")
    version = 1 if latest is None else latest.version + 1
    edition = replace(edition, version=version)
    rendered = render_edition(env, edition, brand)
    count = len(edition.all_stories)
    held = count < options.min_stories
    for name, body, kind in (
        ("email.html", rendered.email_html, "text/html; charset=utf-8"),
        ("email.txt", rendered.email_text, "text/plain; charset=utf-8"),
        ("edition.ssml", rendered.ssml, "application/ssml+xml"),
    ):
        blobs.put(version_key(edition.date, version, name), body.encode("utf-8"), kind)
    blobs.put(site_key(edition.date, "index.html"), rendered.web_html.encode("utf-8"), "text/html; charset=utf-8")
    record = EditionRecord(
        edition_date=edition.date,
        version=version,
        content_hash=digest,
        status=HELD if held else DRAFT,
        story_count=count,
        subject=f"{brand.name}: {edition.lead.headline}",
        created_at=now.isoformat(),
    )
    if not editions.add(record):
        return AssembleResult(editions.latest(edition.date), False, "another build stored this version first")
    logger.info("edition built", extra={"edition_date": edition.date, "version": version, "stories": count})
    reason = f"only {count} stories (minimum {options.min_stories})" if held else ""
    return AssembleResult(record, True, reason)
