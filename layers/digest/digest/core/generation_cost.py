"""What the generative summaries of an edition cost: Bedrock tokens, and the guardrail's text units.

An estimate, like the rest of ``digest cost``: one Converse call per story of the edition, its
input the instructions and reports exactly as :mod:`digest.core.guarded` sends them (about four
characters a token), its output a summary of the longest length allowed. Prices are on-demand
list prices in US dollars (Amazon Bedrock pricing, us-east-1); a model not listed has no price.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from digest.core.cluster import Cluster
from digest.core.edition import Edition
from digest.core.factguard import GuardLimits
from digest.core.guarded import instructions, prompt_for
from digest.core.story import Story

# USD per million input and output tokens, by model id prefix (region prefixes such as "us." aside).
PRICES_PER_MILLION = {
    "amazon.nova-micro": (0.035, 0.14),
    "amazon.nova-lite": (0.06, 0.24),
    "amazon.nova-pro": (0.80, 3.20),
    "amazon.titan-text-express": (0.20, 0.60),
    "amazon.titan-text-lite": (0.15, 0.20),
    "anthropic.claude-3-haiku": (0.25, 1.25),
    "anthropic.claude-3-5-haiku": (0.80, 4.00),
    "anthropic.claude-3-5-sonnet": (3.00, 15.00),
    "anthropic.claude-3-7-sonnet": (3.00, 15.00),
    "meta.llama3-1-8b": (0.22, 0.22),
    "meta.llama3-1-70b": (0.72, 0.72),
    "mistral.mistral-7b": (0.15, 0.20),
}
GUARDRAIL_PER_1000_UNITS = 0.15  # content filters; a text unit is up to 1,000 characters
CHARS_PER_TOKEN = 4
TOKENS_PER_WORD = 4 / 3
_REGIONS = ("us.", "eu.", "apac.", "us-gov.", "global.", "jp.", "au.", "ca.")


def model_price(model_id: str) -> tuple[float, float] | None:
    """USD per million (input, output) tokens for ``model_id``; ``None`` when not listed.

    Examples
    --------
    >>> model_price("us.amazon.nova-micro-v1:0")
    (0.035, 0.14)
    >>> model_price("example.unknown-v1") is None
    True
    """
    bare = next((model_id[len(p) :] for p in _REGIONS if model_id.startswith(p)), model_id)
    matches = [prefix for prefix in PRICES_PER_MILLION if bare.startswith(prefix)]
    return PRICES_PER_MILLION[max(matches, key=len)] if matches else None


@dataclass(frozen=True)
class GenerationCost:
    """Estimated model use for an edition: calls, tokens, guardrail text units and their price
    (``model_usd`` is ``None`` for a model without a listed price)."""

    calls: int
    input_tokens: int
    output_tokens: int
    text_units: int
    model_usd: float | None
    guardrail_usd: float


def generation_cost(
    clusters: Iterable[Cluster], model_id: str, max_words: int = 150, guardrail: bool = False
) -> GenerationCost:
    """One summary per cluster with ``model_id`` (and the guardrail on input and output).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> s = Story("a", "ap", "AP", "the AP", "a", "Quake", "A quake hit Peru. " * 100, "", t, "h")
    >>> cost = generation_cost([Cluster([s])], "amazon.nova-micro-v1:0", guardrail=True)
    >>> cost.calls, cost.output_tokens, cost.text_units
    (1, 200, 4)
    >>> round(cost.model_usd, 6), round(cost.guardrail_usd, 6)
    (4.9e-05, 0.0006)
    """
    system = instructions(GuardLimits(max_words=max_words))
    out_tokens = math.ceil(max_words * TOKENS_PER_WORD)
    out_chars = out_tokens * CHARS_PER_TOKEN
    calls = input_tokens = units = 0
    for cluster in clusters:
        if not cluster.stories:
            continue
        given = len(system) + len(prompt_for(cluster))
        calls += 1
        input_tokens += math.ceil(given / CHARS_PER_TOKEN)
        units += (math.ceil(given / 1000) + math.ceil(out_chars / 1000)) if guardrail else 0
    output_tokens = calls * out_tokens
    price = model_price(model_id)
    usd = None if price is None else (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000
    return GenerationCost(calls, input_tokens, output_tokens, units, usd, units * GUARDRAIL_PER_1000_UNITS / 1000)


def cost_lines(
    edition: Edition, story: Callable[[str], Story | None], model_id: str, max_words: int = 150, guardrail: bool = False
) -> dict[str, float]:
    """The lines ``digest cost`` adds for an edition written with ``model_id``: label -> USD.
    ``story`` looks a report up by id (the story store's ``get``)."""
    clusters = [Cluster([s for s in map(story, item.story_ids) if s is not None]) for item in edition.all_stories]
    cost = generation_cost(clusters, model_id, max_words, guardrail)
    tokens = f"{cost.calls} summaries, about {cost.input_tokens:,} input and {cost.output_tokens:,} output tokens"
    if cost.model_usd is None:
        lines = {f"Bedrock {model_id} ({tokens}; no listed price for this model: not counted)": 0.0}
    else:
        lines = {f"Bedrock {model_id} ({tokens})": cost.model_usd}
    if guardrail:
        lines[f"Bedrock guardrail ({cost.text_units:,} text units at $0.15 per 1,000)"] = cost.guardrail_usd
    return lines
