"""DynamoDB stores (pynamodb) for stories and the per-source fetch state."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from pynamodb.exceptions import PynamoDBException

from digest.adapters.dynamo import conditional_put
from digest.adapters.dynamo_models import FeedStateItem, StoryItem
from digest.core.story import Story
from digest.errors import StorageError
from digest.ports import NEW, SAME, UPDATED, Clock, FeedState


class DynamoStories:
    def __init__(self, model: type[StoryItem], clock: Clock) -> None:
        self.model, self.clock = model, clock

    def save(self, story: Story) -> str:
        fields = asdict(story)
        fields.pop("story_id")
        item = self.model(story.story_id, day=story.day, stored_at=self.clock.now(),
                          **{**fields, "published": story.published.isoformat()})
        if conditional_put(item, self.model.story_id.does_not_exist()):
            return NEW
        stored = self.get(story.story_id)
        if stored is None or stored.version > story.version or _same_copy(stored, story):
            return SAME
        # Optimistic: replace only the copy we compared against, so a racing newer version wins.
        unchanged = (self.model.version == stored.version) & (self.model.content_hash == stored.content_hash)
        return UPDATED if conditional_put(item, unchanged) else SAME

    def get(self, story_id: str) -> Story | None:
        try:
            return self._story(self.model.get(story_id, consistent_read=True))
        except self.model.DoesNotExist:
            return None

    def between(self, start: datetime, end: datetime) -> list[Story]:
        stories = []
        day = start.date()
        try:
            while day <= end.date():
                condition = self.model.published.between(start.isoformat(), end.isoformat())
                for item in self.model.by_day.query(day.isoformat(), condition):
                    stories.append(self._story(item))
                day += timedelta(days=1)
        except PynamoDBException as exc:
            raise StorageError("could not read stories") from exc
        return [s for s in stories if start <= s.published < end]

    @staticmethod
    def _story(item: StoryItem) -> Story:
        values = {k: getattr(item, k) for k in Story.__dataclass_fields__}
        return Story(**{**values, "published": datetime.fromisoformat(item.published),
                        "version": int(item.version), "urgency": int(item.urgency)})


def _same_copy(stored: Story, incoming: Story) -> bool:
    return (stored.content_hash, stored.status, stored.corrected, stored.embargo) == (
        incoming.content_hash, incoming.status, incoming.corrected, incoming.embargo)


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
