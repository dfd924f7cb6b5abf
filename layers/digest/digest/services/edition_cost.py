"""What an edition costs to narrate and send: the estimate ``digest cost`` prints and the desk
shows, priced for the stack's active subscribers unless a list size is given."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from digest.config import Settings
from digest.core.edition import version_key
from digest.core.speech import billed_characters, polly_cost
from digest.core.subscriber import ACTIVE
from digest.ports import BlobStore, EditionStore, StoryStore
from digest.ports_reader import SubscriberStore
from digest.services.refusals import BadRequest, Refused


def active_count(subscribers: SubscriberStore) -> int:
    """How many readers are active (a query of the status index)."""
    return sum(1 for _ in subscribers.with_status(ACTIVE))


def send_lines(n: int) -> dict[str, float]:
    """The per-email lines for ``n`` emails: label -> USD.

    Examples
    --------
    >>> round(sum(send_lines(10_000).values()), 4)
    1.0284
    """
    return {
        f"SES ({n:,} emails at $0.10 per 1,000)": n * 0.10 / 1000,
        "Lambda send (about 8 ms of 512 MB per email)": n * 0.008 * 0.5 * 0.0000166667,
        "DynamoDB ledger (2 writes + 1 read per email, on demand)": n * (2 * 1.25 + 0.25) / 1_000_000,
        "SQS (1 message per 50 recipients)": (n / 50) * 3 * 0.40 / 1_000_000,
    }


def edition_cost(
    day: str,
    list_size: int | None = None,
    engine: str | None = None,
    *,
    editions: EditionStore,
    blobs: BlobStore,
    subscribers: SubscriberStore,
    stories: StoryStore,
    settings: Settings,
) -> dict[str, Any]:
    """The cost of the latest version of ``day``'s edition: ``{"edition_date", "version",
    "subscribers", "subscribers_from", "engine", "items": {label: usd}, "total_usd"}``.
    ``list_size`` prices another list size; by default the active subscribers are counted."""
    latest = editions.latest(day)
    if latest is None:
        raise Refused(f"there is no edition for {day}: build it first (`digest rebuild {day}`)")
    if list_size is not None and list_size < 0:
        raise BadRequest(f"--subscribers must be 0 or more, got {list_size}")
    engine = engine or settings.polly_engine
    ssml = (blobs.get(version_key(day, latest.version, "edition.ssml")) or b"").decode("utf-8")
    chars = billed_characters(ssml)
    if list_size is None:
        n, counted = active_count(subscribers), "active subscribers of the stack"
    else:
        n, counted = list_size, "given with --subscribers"
    lines = {f"Polly ({engine}, {chars:,} characters, audio + speech marks)": 2 * polly_cost(chars, engine)}
    lines.update(send_lines(n))
    if settings.bedrock_model_id:  # generative summaries (BedrockModelId): the model's tokens and guardrail
        lines.update(_generation_lines(day, latest.version, blobs, stories.get, settings))
    return {
        "edition_date": day,
        "version": latest.version,
        "subscribers": n,
        "subscribers_from": counted,
        "engine": engine,
        "items": lines,
        "total_usd": sum(lines.values()),
    }


def _generation_lines(
    day: str, version: int, blobs: BlobStore, story: Callable[[str], Any], settings: Settings
) -> dict[str, float]:
    from digest.core.generation_cost import cost_lines
    from digest.core.snapshot import edition_from_json

    stored = blobs.get(version_key(day, version, "edition.json"))
    if not stored:
        return {}
    guardrail = bool(settings.bedrock_guardrail_id)
    return cost_lines(edition_from_json(stored), story, settings.bedrock_model_id, guardrail=guardrail)
