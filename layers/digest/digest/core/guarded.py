"""The generative summarizer: a language model writes, the fact guard checks, the extractive one stands in.

:class:`GuardedSummarizer` is a :class:`~digest.core.summarizer.Summarizer`. It asks a
:class:`SummaryModel` (an adapter: Amazon Bedrock's Converse API) for a summary of the cluster's
reports, keeps it only when :func:`digest.core.factguard.check` passes it, and otherwise returns
the fallback summarizer's summary with a note that says why, for the editor. A model that fails,
stops early or is stopped by its guardrail falls back the same way: this never raises on a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol

from digest.core.attribution import strip_dateline
from digest.core.cluster import Cluster
from digest.core.factguard import GuardLimits, check
from digest.core.summarizer import Summarizer, Summary

NOTE_PREFIX = "generative summary not used"
REPORT_CHARS = 4000  # of each report's text given to the model: the lead paragraphs carry the news


@dataclass(frozen=True)
class ModelReply:
    """What the model answered: its text, the tokens billed, why it stopped (Converse's
    ``stopReason``: ``end_turn`` when it finished) and ``error`` when there is no answer at all."""

    text: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    stop: str = "end_turn"
    error: str = ""


class SummaryModel(Protocol):
    """A language model that answers one instruction (``system``) and one request (``prompt``)."""

    def write(self, system: str, prompt: str) -> ModelReply: ...


@dataclass
class Usage:
    """What the model was asked and what came of it, over a summarizer's life (one edition build)."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    accepted: int = 0
    refused: int = 0


def instructions(limits: GuardLimits) -> str:
    """The system prompt: the rules the guard enforces, stated to the model.

    Examples
    --------
    >>> "at most 150 words" in instructions(GuardLimits())
    True
    """
    return (
        "You write one summary of a news event for a morning newsletter, from the wire reports "
        "given. Rules: use only facts, numbers and names that the reports state; when reports "
        "differ on a figure, give the newest report's figure. End every sentence with its credit "
        'to the agency whose report states it, exactly as given, e.g. "..., the Associated Press '
        'reported." or "..., according to Reuters.". Neutral news style: no first person, no '
        "exclamation marks, no opinions. Plain prose in one to three short paragraphs separated "
        f"by a blank line, at most {limits.max_words} words; no headline, no lists, no preamble."
    )


def prompt_for(cluster: Cluster) -> str:
    """The request: each report, newest first, with its agency's credit, headline and text.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from digest.core.story import Story
    >>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> s = Story("a", "ap", "Associated Press", "the Associated Press", "a", "Quake",
    ...           "LIMA (AP) \u2014 A quake hit Peru.", "", t, "h")
    >>> print(prompt_for(Cluster([s])))
    Report 1 (credit: "the Associated Press")
    Headline: Quake
    Text: A quake hit Peru.
    """
    newest = sorted(cluster.stories, key=lambda s: (s.published, s.story_id), reverse=True)
    blocks = []
    for n, story in enumerate(newest, start=1):
        body = " ".join(strip_dateline(story.body or "").split())[:REPORT_CHARS]
        blocks.append(f'Report {n} (credit: "{story.attribution}")\nHeadline: {story.title}\nText: {body}')
    return "\n\n".join(blocks)


@dataclass
class GuardedSummarizer:
    """Generative first, guarded, with ``fallback`` whenever the model's text is not used.

    Examples
    --------
    >>> class Silent:
    ...     def write(self, system, prompt):
    ...         return ModelReply(error="no model")
    >>> from digest.core.summarizer import ExtractiveSummarizer
    >>> guarded = GuardedSummarizer(Silent(), ExtractiveSummarizer())
    >>> guarded.summarize(Cluster([])).text
    ''
    """

    model: SummaryModel
    fallback: Summarizer
    limits: GuardLimits = field(default_factory=GuardLimits)
    usage: Usage = field(default_factory=Usage)
    decisions: list[tuple[str, str]] = field(default_factory=list)  # (cluster id, "" or why refused)

    def summarize(self, cluster: Cluster) -> Summary:
        if not cluster.stories:
            return self.fallback.summarize(cluster)
        reply = self.model.write(instructions(self.limits), prompt_for(cluster))
        self.usage.calls += 1
        self.usage.input_tokens += reply.input_tokens
        self.usage.output_tokens += reply.output_tokens
        reason, summary = self._judge(reply, cluster)
        self.decisions.append((cluster.cluster_id, reason))
        if summary is not None:
            self.usage.accepted += 1
            return summary
        self.usage.refused += 1
        return with_note(self.fallback.summarize(cluster), f"{NOTE_PREFIX}: {reason}")

    def _judge(self, reply: ModelReply, cluster: Cluster) -> tuple[str, Summary | None]:
        if reply.error:
            return reply.error, None
        if reply.stop != "end_turn":
            return f"the model stopped early ({reply.stop})", None
        paragraphs = [" ".join(p.split()) for p in reply.text.split("\n\n")]
        text = "\n\n".join(p for p in paragraphs if p)[: self.limits.max_words * 40]
        verdict = check(text, cluster.stories, self.limits)
        if not verdict.passed:
            return verdict.reason, None
        trace = list(verdict.traced)
        pairs = [(t.sentence, t.story_id) for t in trace]
        sources = list(dict.fromkeys(t.story_id for t in trace))
        return "", Summary(text, pairs, sources, trace=trace, headline=self.fallback.summarize(cluster).headline)


def with_note(summary: Summary, note: str) -> Summary:
    """``summary`` with ``note`` added to its notes for the editor."""
    return replace(summary, notes=[*summary.notes, note])
