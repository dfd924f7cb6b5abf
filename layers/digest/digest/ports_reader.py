"""The reader side's interfaces (Protocols only): subscriber records, the sign-up counters and the
read counts. The rest are in ``digest.ports``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from digest.core.reads import ReadTally
from digest.core.subscriber import Subscriber


class SubscriberStore(Protocol):
    """Subscriber records. Services never write a whole record back: they add a new one
    (``add``) or set named fields conditioned on the state they read (``update``,
    ``set_status``); a False answer means "read again and decide again", never "overwrite"."""

    def put(self, subscriber: Subscriber) -> None:
        """Write a whole record unconditionally (seeding and tools only; services do not)."""

    def get(self, subscriber_id: str) -> Subscriber | None: ...

    def with_status(self, status: str) -> Iterator[Subscriber]: ...

    def add(self, subscriber: Subscriber) -> bool:
        """Write a new record; False (nothing written) when one exists for its id."""

    def update(
        self,
        subscriber_id: str,
        changes: dict[str, object],
        expected: Iterable[str],
        unchanged_since: str | None = None,
    ) -> bool:
        """Set only the fields ``changes`` names, while the stored status is one of ``expected``
        (and, with ``unchanged_since``, its ``updated_at`` is still that); False, nothing written,
        when there is no such subscriber or the condition fails."""

    def set_status(
        self, subscriber_id: str, status: str, reason: str = "", expected: Iterable[str] | None = None
    ) -> bool:
        """Change a subscriber's status (with the reason), from one of ``expected`` (any status
        when None); False when there is no such subscriber or its status is not expected."""

    def every(self) -> Iterator[Subscriber]:
        """Every record, in no order (a paginated scan: the admins' counts, search and export)."""

    def delete(self, subscriber_id: str, expected: Iterable[str]) -> bool:
        """Delete the record while its status is one of ``expected``; False, nothing deleted,
        when there is no such subscriber or the condition fails."""

    def move(self, record: Subscriber, alias: Subscriber, read: Subscriber) -> bool:
        """In one transaction: add ``record`` (nothing may exist under its id) and replace the
        item under ``alias.subscriber_id`` by ``alias`` (a ``MOVED`` item naming ``record``),
        while that item's status and ``updated_at`` are still ``read``'s; False, nothing written,
        when a condition fails. Afterwards ``get``, ``update`` and ``set_status`` given the old id
        act on ``record`` (one hop: aliases never point at aliases)."""


class SignupCounters(Protocol):
    """Counters of sign-up requests (``core.signup_limits``), shared by every function instance."""

    def take(self, key: str, limit: int, expires_at: int) -> bool:
        """Count one use of ``key`` unless ``limit`` uses are counted already (one atomic write);
        False, nothing counted, when they are. The store may forget the key after ``expires_at``
        (epoch seconds)."""

    def give_back(self, key: str) -> None:
        """Uncount one use of ``key`` (its work did not happen); nothing when none is counted."""


class ReadCounts(Protocol):
    """Opens and clicks per edition and clicks per story (``digest.core.reads``); never per reader."""

    def add(self, day: str, kind: str, story: str | None = None) -> None:
        """Count one ``kind`` ("open" or "click") of ``day``'s edition, and a click of ``story``:
        atomic increments, so concurrent counts are never lost."""

    def tally(self, day: str) -> ReadTally:
        """``day``'s counts (zeros when nothing was counted)."""
