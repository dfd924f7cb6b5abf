"""Assemble: build the edition of a day as a new version when (and only when) something changed.

Each build applies the editor's overrides, records a readable diff against the previous version,
and runs the pre-send lint. A rebuild of an edition that has gone out is a *correction*: the web
copy is republished with a visible note and nobody is emailed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

import jinja2
from aws_lambda_powertools import Logger

from digest.config import Settings
from digest.core import lifecycle
from digest.core.cluster import cluster
from digest.core.desk import correction_note
from digest.core.diff import EditionDiff, diff_editions
from digest.core.edition import Brand, Edition, version_key
from digest.core.edition_record import EditionRecord
from digest.core.lint import lint_edition
from digest.core.overrides import Overrides, apply_overrides
from digest.core.ranking import plan_edition
from digest.core.render import Rendered, render_edition
from digest.core.schedule import edition_day, future_reason, news_window
from digest.core.snapshot import edition_from_json, edition_to_json
from digest.core.summarizer import Summarizer
from digest.errors import DigestError, FutureEdition
from digest.ports import BlobStore, Clock, EditionStore, StoryStore
from digest.services.narrate import carried_audio, follow_shared, needs_narration

logger = Logger(child=True)

DRAFT, HELD = lifecycle.DRAFT, lifecycle.HELD


def overrides_key(day: str) -> str:
    return f"editions/{day}/overrides.json"


@dataclass(frozen=True)
class AssembleOptions:
    public_base_url: str
    max_stories: int = 8
    min_stories: int = 3
    window_hours: int = 24
    timezone: str = "America/New_York"
    assemble_at: time = time(5, 0)
    read_tracking: bool = False  # story links tagged for SES click tracking, the others ses:no-track

    @classmethod
    def from_settings(cls, s: Settings) -> AssembleOptions:
        return cls(
            s.public_base_url,
            s.max_stories,
            s.min_stories,
            s.window_hours,
            s.edition_timezone,
            s.assemble_at,
            s.read_tracking,
        )


@dataclass(frozen=True)
class AssembleResult:
    record: EditionRecord | None
    created: bool
    reason: str = ""
    diff: list[str] | None = None


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
    summarizer: Summarizer | None = None,
    note: str | None = None,
    keep_hold: bool = True,
    newest: bool = False,
    publish: Callable[[EditionRecord], object] | None = None,
    narrate: Callable[[str], object] | None = None,
) -> AssembleResult:
    """Build the edition of ``day`` from the news of its window, whenever it is built.

    The window ends at ``day``'s assembly time in the newsroom's zone (``window_hours`` long). A
    past date's stories come in the versions that were current at the window's end (``newest``:
    as they are now); today's in their newest versions, so the morning's corrections go in.
    A date after the newsroom's current edition date raises FutureEdition. Rebuilding with nothing
    changed returns the stored version and writes nothing. A correction (the edition went out) is
    rebuilt from the stories it was made of, never from later news, and published at once
    (``publish``) so readers of the web copy see it. A held edition stays held
    through automatic rebuilds (``keep_hold``); an editor's rebuild lifts it.

    A new version whose spoken text (SSML) is the previous version's keeps its audio; one whose
    spoken text changed after the day's narration began is narrated again (``narrate``, given
    the date, starts the narration as the schedule does).
    """
    now, iso = clock.now(), day.isoformat()
    current = edition_day(now, options.timezone)
    reason = future_reason(day, current, options.timezone)
    if reason:
        raise FutureEdition(reason)
    start, end = news_window(day, options.timezone, options.assemble_at, options.window_hours)
    past = day < current
    as_of = end if past else now  # a past edition is judged at its own instant (embargoes, freshness)
    stored = Overrides.from_json(blobs.get(overrides_key(iso)))
    latest = editions.latest(iso)
    if latest is not None and latest.status in (lifecycle.SENDING, lifecycle.SENT):
        recent = [s for s in (stories.get(i) for i in latest.story_ids) if s is not None]
    else:
        recent = stories.between(start, end, as_of=end if past and not newest else None)
    found = cluster(recent)
    # Edits are kept by story id: each applies to whichever cluster holds its story now.
    overrides = stored.for_clusters({c.cluster_id: [s.story_id for s in c.stories] for c in found})
    clusters = [c for c in found if c.cluster_id not in overrides.dropped]
    planned = plan_edition(
        day,
        clusters,
        as_of,
        options.public_base_url,
        options.max_stories,
        brand.name,
        summarizer=summarizer,
        pinned=overrides.pinned,
    )
    if planned is None:
        logger.warning("no stories for the edition", extra={"edition_date": iso})
        return AssembleResult(latest, False, "no stories in the window")
    edition = apply_overrides(planned, overrides)
    digest = edition.content_hash()  # of what the build produced, before any correction note
    if latest is not None and latest.content_hash == digest:
        return AssembleResult(latest, False, "unchanged")
    previous = _snapshot(blobs, latest)
    changes = diff_editions(replace(previous, correction_note=None), edition) if previous else None
    correcting = latest is not None and latest.status in (lifecycle.SENDING, lifecycle.SENT)
    if correcting and latest is not None:
        lifecycle.transition(latest.status, lifecycle.CORRECT)  # refuses while still sending
        edition = replace(edition, correction_note=note or _correction_note(changes, now, options.timezone))
    version = 1 if latest is None else latest.version + 1
    edition = replace(edition, version=version)
    rendered = render_edition(env, edition, brand, options.read_tracking)
    issues = lint_edition(rendered, edition, brand, audio_exists=None)
    count = len(edition.all_stories)
    reasons = [f"{i.rule}: {i.detail}" for i in issues]
    if count < options.min_stories:
        reasons.insert(0, f"only {count} stories (minimum {options.min_stories})")
    _store_version(blobs, edition, rendered, changes.to_dict() if changes else None)
    if keep_hold and latest is not None and latest.status == HELD and not reasons:
        reasons = [latest.reason or "held by an editor"]
    status = lifecycle.SENT if correcting else (HELD if reasons else DRAFT)
    record = EditionRecord(
        edition_date=iso,
        version=version,
        content_hash=digest,
        status=status,
        story_count=count,
        subject=overrides.title or f"{brand.name}: {edition.lead.headline}",
        created_at=now.isoformat(),
        reason="; ".join(reasons)[:1000] if status == HELD else "",
        story_ids=tuple(sorted({sid for s in edition.all_stories for sid in s.story_ids})),
        **carried_audio(latest, rendered.ssml, blobs),  # the same spoken text keeps its audio
    )
    if not editions.add(record):
        return AssembleResult(editions.latest(iso), False, "another build stored this version first")
    logger.info("edition built", extra={"edition_date": iso, "version": version, "stories": count, "status": status})
    if latest is not None and record.audio_status in ("starting", "pending"):
        record = follow_shared(editions, record, latest)  # its notices may have come meanwhile
    if correcting and publish is not None:
        publish(record)  # a correction: readers of the web copy see it at once
    if narrate is not None and needs_narration(editions.versions(iso), record):
        _narrate_again(narrate, iso)
        narrated = editions.get(iso, version)
        if correcting and publish is not None and narrated and narrated.audio_status in ("ready", "placeholder"):
            publish(narrated)  # narrated at once (locally): the corrected audio goes out with the web copy
    return AssembleResult(
        record, True, record.reason or ("correction" if correcting else ""), changes.lines() if changes else None
    )


def _narrate_again(narrate: Callable[[str], object], day: str) -> None:
    """Start the new version's narration; the version stands without it when it cannot start
    (the send-time audio policy applies; a later rebuild or narrate invocation tries again)."""
    try:
        narrate(day)
    except DigestError:
        logger.exception("the new version's narration did not start", extra={"edition_date": day})


def _snapshot(blobs: BlobStore, record: EditionRecord | None) -> Edition | None:
    if record is None:
        return None
    data = blobs.get(version_key(record.edition_date, record.version, "edition.json"))
    return edition_from_json(data) if data else None


def _correction_note(changes: EditionDiff | None, now: datetime, zone: str) -> str:
    """The note of a correction no editor wrote (a withdrawal, a rebuild without ``--note``): plain
    words, never diff markup, stamped in the newsroom's time zone."""
    removed = changes is not None and bool(changes.removed)
    what = "A story was removed." if removed else "This edition was updated after it was sent."
    return correction_note(what, now, zone)


def version_files(edition: Edition, rendered: Rendered, changes: dict[str, Any] | None) -> dict[str, tuple[str, str]]:
    """The files stored for one edition version: name -> (body, content type)."""
    files = {
        "email.html": (rendered.email_html, "text/html; charset=utf-8"),
        "email.txt": (rendered.email_text, "text/plain; charset=utf-8"),
        # The same email without the Listen link, for when the audio is not ready at send time.
        "email-noaudio.html": (rendered.silent_html, "text/html; charset=utf-8"),
        "email-noaudio.txt": (rendered.silent_text, "text/plain; charset=utf-8"),
        "edition.ssml": (rendered.ssml, "application/ssml+xml"),
        "edition.json": (edition_to_json(edition), "application/json"),
    }
    if changes is not None:
        files["diff.json"] = (json.dumps(changes, ensure_ascii=False), "application/json")
    return files


def _store_version(blobs: BlobStore, edition: Edition, rendered: Rendered, changes: dict[str, Any] | None) -> None:
    for name, (body, kind) in version_files(edition, rendered, changes).items():
        blobs.put(version_key(edition.date, edition.version, name), body.encode("utf-8"), kind)
