"""Publish: the public web copy of an edition and its audio, the archive index, and the Atom and
podcast feeds. Nothing of an edition is public before it is sent (or corrected after sending)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

import jinja2
from aws_lambda_powertools import Logger

from digest.core.caching import site_path
from digest.core.edition import Brand, site_key, version_key
from digest.core.edition_record import EditionRecord
from digest.core.publish import (
    ArchiveEntry,
    Chapter,
    editions_feed,
    podcast_feed,
    render_archive_index,
)
from digest.core.render import render_web
from digest.core.snapshot import edition_from_json
from digest.errors import StorageError
from digest.ports import BlobStore, SiteCache

logger = Logger(child=True)

MANIFEST = "site/archive.json"


def publish(
    record: EditionRecord,
    *,
    blobs: BlobStore,
    env: jinja2.Environment,
    brand: Brand,
    public_base_url: str,
    now: datetime,
    cdn: SiteCache | None = None,
) -> ArchiveEntry:
    """Publish ``record``'s web copy and its audio, refresh the archive and feeds that list it, and
    have ``cdn`` forget its copies of all of them (the edition's whole folder: its page and its audio)."""
    day, version = record.edition_date, record.version
    snapshot = blobs.get(version_key(day, version, "edition.json"))
    if snapshot is None:
        raise StorageError(f"edition {day} v{version} has no snapshot to publish")
    audible = publish_audio(record, blobs)
    edition = edition_from_json(snapshot)
    # The web copy shows the Listen player only when the audio is public now (rendered here, not
    # at build time: a send without ready audio must not link readers to a private file).
    web = render_web(env, edition if audible else replace(edition, audio_url=None), brand)
    blobs.put(site_key(day, "index.html"), web.encode("utf-8"), "text/html; charset=utf-8")
    titles = {s.anchor: s.headline for s in edition.all_stories}
    has_audio = audible and record.audio_status == "ready"  # a silent placeholder is no episode
    entry = ArchiveEntry(
        date=day,
        title=f"{brand.name}, {edition.date_label}",
        lead_headline=edition.lead.headline,
        headlines=[s.headline for s in edition.all_stories],
        web_url=edition.web_url,
        audio_url=edition.audio_url if has_audio else None,
        audio_bytes=record.audio_bytes,
        audio_seconds=record.audio_seconds,
        published=now,
        chapters=[Chapter(titles.get(anchor, anchor), start, anchor) for anchor, start in record.chapters],
        correction_note=edition.correction_note,
    )
    entries = [e for e in _manifest(blobs) if e.date != day] + [entry]
    blobs.put(
        MANIFEST, json.dumps([_entry_dict(e) for e in entries], ensure_ascii=False).encode("utf-8"), "application/json"
    )
    feeds = {"atom": f"{public_base_url}/feed.atom", "podcast": f"{public_base_url}/podcast.xml"}
    blobs.put(
        "site/index.html", render_archive_index(env, entries, brand, feeds).encode("utf-8"), "text/html; charset=utf-8"
    )
    blobs.put(
        "site/feed.atom", editions_feed(entries, brand, public_base_url, feeds["atom"], now), "application/atom+xml"
    )
    blobs.put(
        "site/podcast.xml", podcast_feed(entries, brand, public_base_url, feeds["podcast"], now), "application/rss+xml"
    )
    logger.info("published", extra={"edition_date": day, "version": version, "archive_size": len(entries)})
    if cdn is not None:
        changed = [f"/{day}/*"] + [site_path(k) for k in (MANIFEST, *SITE_LISTINGS)] + ["/"]
        _invalidate(cdn, changed, f"{day}-v{version}-{now.isoformat()}")
    return entry


SITE_LISTINGS = ("site/index.html", "site/feed.atom", "site/podcast.xml")
AUDIBLE = ("ready", "placeholder")


def publish_audio(record: EditionRecord, blobs: BlobStore) -> bool:
    """Put ``record``'s audio (kept privately until now) at the edition's public audio key, where its
    Listen links point; True when it is there. Audio that is not ready is taken off the public
    site: what is there was narrated from an earlier text (a dropped or held story among it).
    """
    public = site_key(record.edition_date, "edition.mp3")
    if record.audio_status in AUDIBLE and record.audio_key:
        if record.audio_key == public:  # narrated before audio was kept private
            return blobs.exists(public)
        mp3 = blobs.get(record.audio_key)
        if mp3 is not None:
            blobs.put(public, mp3, "audio/mpeg")
            return True
        logger.error(
            "the edition's audio is missing", extra={"edition_date": record.edition_date, "key": record.audio_key}
        )
    if blobs.exists(public):
        blobs.delete(public)
        logger.warning("earlier audio taken off the site", extra={"edition_date": record.edition_date})
    return False


def _invalidate(cdn: SiteCache, paths: list[str], reference: str) -> None:
    """A failed invalidation leaves stale copies for at most their max-age: worth an error in the
    logs (and the alarm on errors), not a failed publish, which would stop a dispatch midway."""
    try:
        cdn.invalidate(paths, reference)
    except StorageError:
        logger.exception("site cache not invalidated", extra={"paths": paths})


def _entry_dict(entry: ArchiveEntry) -> dict[str, Any]:
    data = {k: getattr(entry, k) for k in ArchiveEntry.__dataclass_fields__}
    data["published"] = entry.published.isoformat()
    data["chapters"] = [[c.title, c.start_seconds, c.anchor] for c in entry.chapters]
    return data


def _manifest(blobs: BlobStore) -> list[ArchiveEntry]:
    raw = blobs.get(MANIFEST)
    if not raw:
        return []
    entries = []
    for data in json.loads(raw):
        data["published"] = datetime.fromisoformat(data["published"])
        data["chapters"] = [Chapter(*c) for c in data.get("chapters", [])]
        entries.append(ArchiveEntry(**data))
    return entries
