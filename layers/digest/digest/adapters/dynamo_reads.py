"""Read counts (pynamodb): opens and clicks of an edition and clicks per story, kept in the ledger
table under their own partition key (``reads#<day>``, never an edition id), as the delivery-group
marks are. One item for the edition (``edition``: opens, clicks) and one per story clicked
(``story#<id>``: clicks); every count is an UpdateItem ``ADD``, so concurrent events never lose
one. No item holds a reader id: the table's sort key here names the edition or a story.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.models import Model

from digest.adapters.dynamo import conditional_update
from digest.core.reads import CLICK, OPEN, ReadTally
from digest.errors import StorageError

KEEP_DAYS = 400  # as long as the ledger's own records
PREFIX, EDITION, STORY = "reads#", "edition", "story#"


class ReadItem(Model):
    edition_id = UnicodeAttribute(hash_key=True)  # "reads#<day>"
    subscriber_id = UnicodeAttribute(range_key=True)  # "edition" or "story#<id>": never a reader
    opens = NumberAttribute(null=True)
    clicks = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # TTL, epoch seconds


class DynamoReads:
    def __init__(self, model: type[ReadItem]) -> None:
        self.model = model

    def add(self, day: str, kind: str, story: str | None = None) -> None:
        if kind not in (OPEN, CLICK):
            raise ValueError(f"unknown read kind {kind!r}")
        counter = self.model.opens if kind == OPEN else self.model.clicks
        self._add(day, EDITION, counter)
        if kind == CLICK and story:
            self._add(day, STORY + story, self.model.clicks)

    def tally(self, day: str) -> ReadTally:
        opens = clicks = 0
        stories: dict[str, int] = {}
        try:
            for item in self.model.query(PREFIX + day, consistent_read=True):
                if item.subscriber_id == EDITION:
                    opens, clicks = int(item.opens or 0), int(item.clicks or 0)
                elif item.subscriber_id.startswith(STORY):
                    stories[item.subscriber_id[len(STORY) :]] = int(item.clicks or 0)
        except PynamoDBException as exc:
            raise StorageError(f"could not read the read counts of {day}") from exc
        return ReadTally(opens, clicks, stories)

    def _add(self, day: str, key: str, counter: NumberAttribute) -> None:
        expires = datetime.combine(date.fromisoformat(day), time(), UTC) + timedelta(days=KEEP_DAYS)
        actions = [counter.add(1), self.model.expires_at.set(int(expires.timestamp()))]
        conditional_update(self.model(PREFIX + day, key), actions, None, f"count a read of {day}")
