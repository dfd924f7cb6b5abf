"""DynamoDB stores (pynamodb) for stories and the per-source fetch state."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta

from pynamodb.exceptions import PynamoDBException

from digest.adapters.dynamo import conditional_put
from digest.adapters.dynamo_models import FeedStateItem, StoryItem
from digest.core.fetch import FeedState
from digest.core.story import CANCELED, NEW, SAME, UPDATED, Story, supersedes
from digest.errors import StorageError
from digest.ports import Clock

HISTORY_BYTES = 120_000  # earlier copies kept per story (with a 100 KB body cap, well under 400 KB)
_COPIED = ("version", "title", "body", "url", "content_hash", "status", "corrected", "urgency")


class DynamoStories:
    """Stories by id, queried by publication day; each item keeps its earlier copies (``history``)."""

    def __init__(self, model: type[StoryItem], clock: Clock) -> None:
        self.model, self.clock = model, clock

    def save(self, story: Story) -> str:
        fields = asdict(story)
        fields.pop("story_id")
        item = self.model(
            story.story_id,
            day=story.day,
            stored_at=self.clock.now(),
            **{**fields, "published": story.published.isoformat(), "reading": story.reading or None},
        )
        if conditional_put(item, self.model.story_id.does_not_exist()):
            return NEW
        stored_item = self._item(story.story_id)
        stored = None if stored_item is None else self._story(stored_item)
        if stored is None or not supersedes(stored, story):
            return SAME
        item.history = _trimmed([_copy(stored_item), *(stored_item.history or [])])
        # Optimistic: replace only the copy we compared against, so a racing newer version (or a
        # withdrawal at the same version) wins.
        unchanged = (
            (self.model.version == stored.version)
            & (self.model.content_hash == stored.content_hash)
            & (self.model.status == stored.status)
        )
        return UPDATED if conditional_put(item, unchanged) else SAME

    def get(self, story_id: str) -> Story | None:
        item = self._item(story_id)
        return None if item is None else self._story(item)

    def between(self, start: datetime, end: datetime, as_of: datetime | None = None) -> list[Story]:
        stories = []
        day = start.date()
        try:
            while day <= end.date():
                condition = self.model.published.between(start.isoformat(), end.isoformat())
                for item in self.model.by_day.query(day.isoformat(), condition):
                    stories.append(self._story(item, as_of))
                day += timedelta(days=1)
        except PynamoDBException as exc:
            raise StorageError("could not read stories") from exc
        return [s for s in stories if start <= s.published < end]

    def _item(self, story_id: str) -> StoryItem | None:
        try:
            return self.model.get(story_id, consistent_read=True)
        except self.model.DoesNotExist:
            return None

    @staticmethod
    def _story(item: StoryItem, as_of: datetime | None = None) -> Story:
        values = {k: getattr(item, k) for k in Story.__dataclass_fields__}
        values.update(published=datetime.fromisoformat(item.published), reading=item.reading or "")
        if as_of is not None and item.stored_at > as_of and item.status != CANCELED and item.history:
            earlier = [c for c in item.history if datetime.fromisoformat(c["stored_at"]) <= as_of]
            values.update(_uncopy(earlier[0] if earlier else item.history[-1]))
        return Story(**{**values, "version": int(values["version"]), "urgency": int(values["urgency"])})


def _copy(item: StoryItem) -> dict:
    copy = {k: getattr(item, k) for k in _COPIED}
    copy.update(
        version=int(item.version),
        urgency=int(item.urgency),
        published=item.published,
        stored_at=item.stored_at.isoformat(),
        embargo=item.embargo.isoformat() if item.embargo else None,
    )
    return copy


def _uncopy(copy: dict) -> dict:
    values = {k: copy[k] for k in _COPIED}
    values.update(
        published=datetime.fromisoformat(copy["published"]),
        embargo=datetime.fromisoformat(copy["embargo"]) if copy.get("embargo") else None,
    )
    return values


def _trimmed(history: list[dict]) -> list[dict]:
    """The newest copies that fit in HISTORY_BYTES (JSON, UTF-8)."""
    kept, size = [], 0
    for copy in history:
        size += len(json.dumps(copy, ensure_ascii=False).encode("utf-8"))
        if size > HISTORY_BYTES:
            break
        kept.append(copy)
    return kept


class DynamoFeedState:
    def __init__(self, model: type[FeedStateItem]) -> None:
        self.model = model

    def get(self, source: str) -> FeedState | None:
        try:
            item = self.model.get(source, consistent_read=True)
        except self.model.DoesNotExist:
            return None
        return FeedState(item.source, item.etag, item.last_modified, item.fetched_at)

    def put(self, state: FeedState) -> None:
        self.model(**asdict(state)).save()
