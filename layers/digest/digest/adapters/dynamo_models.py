"""pynamodb models of our tables. Table names come from Settings, bound at run time by ``bind``."""

from __future__ import annotations

from inspect import getmembers
from typing import TypeVar

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, Index
from pynamodb.models import Model

M = TypeVar("M", bound=Model)


def bind(base: type[M], table: str, region: str, host: str | None = None) -> type[M]:
    """A subclass of ``base`` bound to one table (so nothing is fixed at import time).

    Indexes get fresh instances: pynamodb ties an index object to the last model class
    that declared it.
    """
    meta = {"table_name": table, "region": region, "max_retry_attempts": 5}
    if host:
        meta["host"] = host
    namespace: dict[str, object] = {"Meta": type("Meta", (), meta)}
    namespace.update({name: type(index)() for name, index in getmembers(base, lambda o: isinstance(o, Index))})
    return type(base.__name__, (base,), namespace)


class ByDay(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_day"
        projection = AllProjection()

    day = UnicodeAttribute(hash_key=True)
    published = UnicodeAttribute(range_key=True)


class ByStatus(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    subscriber_id = UnicodeAttribute(range_key=True)


class StoryItem(Model):
    story_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute()  # by_day index hash key
    published = UnicodeAttribute()  # ISO 8601 UTC; by_day index range key
    source = UnicodeAttribute()
    agency = UnicodeAttribute()
    attribution = UnicodeAttribute()
    guid = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    url = UnicodeAttribute()
    content_hash = UnicodeAttribute()
    version = NumberAttribute(default=1)
    urgency = NumberAttribute(default=5)
    embargo = UTCDateTimeAttribute(null=True)
    status = UnicodeAttribute(default="usable")
    corrected = BooleanAttribute(default=False)
    reading = UnicodeAttribute(null=True)  # Story.reading: the body's sentences, read when stored
    stored_at = UTCDateTimeAttribute()
    # Earlier copies, newest first: {"stored_at", "version", "title", "body", "url", "content_hash",
    # "status", "corrected", "embargo", "urgency", "published"}, so a rebuild of a past edition can
    # use the versions that were current then. Trimmed to HISTORY_BYTES (an item holds 400 KB).
    history = JSONAttribute(null=True)
    by_day = ByDay()


class FeedStateItem(Model):
    source = UnicodeAttribute(hash_key=True)
    etag = UnicodeAttribute(null=True)
    last_modified = UnicodeAttribute(null=True)
    fetched_at = UTCDateTimeAttribute(null=True)


class EditionItem(Model):
    edition_date = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)
    content_hash = UnicodeAttribute()
    status = UnicodeAttribute()
    story_count = NumberAttribute()
    subject = UnicodeAttribute()
    created_at = UnicodeAttribute()
    audio_key = UnicodeAttribute(default="")
    audio_status = UnicodeAttribute(default="none")
    reason = UnicodeAttribute(default="")
    story_ids = ListAttribute(of=UnicodeAttribute, default=list)
    audio_seconds = NumberAttribute(default=0)
    audio_bytes = NumberAttribute(default=0)
    chapters = JSONAttribute(default=list)


class SubscriberItem(Model):
    subscriber_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    status = UnicodeAttribute()  # by_status index hash key
    plan = UnicodeAttribute()
    timezone = UnicodeAttribute(default="")  # "": not chosen, the newsroom's zone
    name = UnicodeAttribute(default="")
    trial_end = UnicodeAttribute(default="")
    role = UnicodeAttribute(default="")
    source = UnicodeAttribute(default="")
    created_at = UnicodeAttribute(default="")
    updated_at = UnicodeAttribute(default="")
    soft_bounces = NumberAttribute(default=0)
    paused = BooleanAttribute(default=False)
    reminded = BooleanAttribute(default=False)
    reason = UnicodeAttribute(default="")
    # Delivery choices; items written before they existed read with these defaults.
    send_hour = NumberAttribute(null=True)  # local hour 0-23; absent: the newsroom's delivery hour
    audio = BooleanAttribute(default=True)
    plain_text = BooleanAttribute(default=False)
    paused_until = UnicodeAttribute(default="")
    moved_from = UnicodeAttribute(default="")  # a moved record's legacy id, for the ledger
    moved_on = UnicodeAttribute(default="")
    by_status = ByStatus()


class LedgerItem(Model):
    edition_id = UnicodeAttribute(hash_key=True)
    subscriber_id = UnicodeAttribute(range_key=True)
    state = UnicodeAttribute()
    message_id = UnicodeAttribute(default="")
    detail = UnicodeAttribute(default="")
    updated_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()  # TTL, epoch seconds


class AuditItem(Model):
    edition_date = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)  # "<ISO time>#<random>": in time order, never colliding
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    version = NumberAttribute(default=0)
    outcome = UnicodeAttribute()
    detail = UnicodeAttribute(default="")


class ActionItem(Model):
    """An asynchronous editor action, kept in the audit table under its own partition key."""

    edition_date = UnicodeAttribute(hash_key=True)  # "action#<id>": never an edition's date, so never in its audit
    entry = UnicodeAttribute(range_key=True)  # "state"
    day = UnicodeAttribute()
    kind = UnicodeAttribute()
    actor = UnicodeAttribute()
    state = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    deadline = UnicodeAttribute()
    request = UnicodeAttribute(default="{}")
    result = UnicodeAttribute(default="")
    reason = UnicodeAttribute(default="")
    refused = BooleanAttribute(default=False)
