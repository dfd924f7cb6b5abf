"""What changed between two versions of an edition, for the editor who approves the new one.

Stories are matched by ``cluster_id``. Positions are 1-based indexes in ``all_stories``.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field
from typing import Any

from digest.core.edition import Edition, EditionStory

_CONTEXT_WORDS = 3
_MAX_WORD_DIFF = 240


@dataclass(frozen=True)
class Move:
    cluster_id: str
    headline: str
    old_position: int
    new_position: int


@dataclass(frozen=True)
class HeadlineChange:
    cluster_id: str
    old: str
    new: str


@dataclass(frozen=True)
class SummaryChange:
    """A changed summary: both texts and a short word diff (``[-old words-] {+new words+}``)."""

    cluster_id: str
    headline: str
    old: str
    new: str
    word_diff: str


@dataclass(frozen=True)
class CorrectedChange:
    cluster_id: str
    headline: str
    corrected: bool


@dataclass(frozen=True)
class EditionDiff:
    """The changes from one edition version to the next, story by story."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[Move] = field(default_factory=list)
    headline_changed: list[HeadlineChange] = field(default_factory=list)
    summary_changed: list[SummaryChange] = field(default_factory=list)
    corrected: list[CorrectedChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when no story was added, removed, moved or changed."""
        return not any(getattr(self, name) for name in self.__dataclass_fields__)

    def lines(self) -> list[str]:
        """One human-readable line per change.

        Examples
        --------
        >>> EditionDiff(added=["Quake kills nine in Peru"], moved=[Move("c1", "Rates cut", 3, 1)]).lines()
        ['+ added: Quake kills nine in Peru', "↕ moved: 'Rates cut' 3 → 1"]
        """
        out = [f"+ added: {h}" for h in self.added]
        out += [f"- removed: {h}" for h in self.removed]
        out += [f"~ headline: '{c.old}' -> '{c.new}'" for c in self.headline_changed]
        out += [f"~ summary of '{c.headline}': {c.word_diff}" for c in self.summary_changed]
        out += [
            f"! corrected: '{c.headline}' {'now' if c.corrected else 'no longer'} marked corrected"
            for c in self.corrected
        ]
        out += [f"↕ moved: '{m.headline}' {m.old_position} → {m.new_position}" for m in self.moved]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The diff as plain JSON-ready data.

        Examples
        --------
        >>> EditionDiff(removed=["Old news"]).to_dict()["removed"]
        ['Old news']
        """
        return asdict(self)


def diff_editions(old: Edition, new: Edition) -> EditionDiff:
    """Compare two versions of an edition.

    A story counts as moved only when its order relative to the other kept stories changed, so
    a story inserted or removed above it does not move it. When one story jumps ahead, only that
    story is reported; when two swap, both are.

    Raises
    ------
    ValueError
        A version lists the same ``cluster_id`` twice (a bug in whoever built it).

    Examples
    --------
    >>> from digest.core.edition import EditionStory
    >>> def s(cid, h): return EditionStory(cid, cid, h, "Text.", ["AP"], [])
    >>> def ed(*stories): return Edition("d", "D", "T", "en", "p", "https://x", None, stories[0], list(stories[1:]))
    >>> diff_editions(ed(s("a", "A"), s("b", "B")), ed(s("n", "New"), s("a", "A"), s("b", "B"))).lines()
    ['+ added: New']
    """
    before, after = _index(old), _index(new)
    kept_old = [cid for cid in before if cid in after]
    kept_new = [cid for cid in after if cid in before]
    pairs = [(cid, before[cid][1], after[cid][1]) for cid in kept_new]
    return EditionDiff(
        added=[s.headline for cid, (_, s) in after.items() if cid not in before],
        removed=[s.headline for cid, (_, s) in before.items() if cid not in after],
        moved=[Move(cid, after[cid][1].headline, before[cid][0], after[cid][0]) for cid in _moved(kept_old, kept_new)],
        headline_changed=[
            HeadlineChange(cid, a.headline, b.headline) for cid, a, b in pairs if a.headline != b.headline
        ],
        summary_changed=[
            SummaryChange(cid, b.headline, a.summary, b.summary, word_diff(a.summary, b.summary))
            for cid, a, b in pairs
            if a.summary != b.summary
        ],
        corrected=[CorrectedChange(cid, b.headline, b.corrected) for cid, a, b in pairs if a.corrected != b.corrected],
    )


def word_diff(old: str, new: str) -> str:
    """A short word-level diff: changes as ``[-removed-]`` / ``{+added+}``, a little context.

    Examples
    --------
    >>> word_diff("Six people died in Lima on Friday", "Nine people died in Lima on Friday")
    '[-Six-] {+Nine+} people died in …'
    """
    a, b = old.split(), new.split()
    parts: list[str] = []
    opcodes = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    for i, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            words = a[i1:i2]
            first, last = i == 0, i == len(opcodes) - 1
            if len(words) > 2 * _CONTEXT_WORDS or ((first or last) and len(words) > _CONTEXT_WORDS):
                head = [] if first else words[:_CONTEXT_WORDS]
                tail = [] if last else words[-_CONTEXT_WORDS:]
                words = [*head, "…", *tail]
            parts.append(" ".join(words))
            continue
        if i2 > i1:
            parts.append(f"[-{' '.join(a[i1:i2])}-]")
        if j2 > j1:
            parts.append(f"{{+{' '.join(b[j1:j2])}+}}")
    if all(tag == "equal" for tag, *_ in opcodes):
        return "(only whitespace changed)"
    text = " ".join(parts)
    return text if len(text) <= _MAX_WORD_DIFF else text[: _MAX_WORD_DIFF - 1] + "…"


def _index(edition: Edition) -> dict[str, tuple[int, EditionStory]]:
    index: dict[str, tuple[int, EditionStory]] = {}
    for position, story in enumerate(edition.all_stories, start=1):
        if story.cluster_id in index:
            raise ValueError(f"edition {edition.date} v{edition.version} lists {story.cluster_id!r} twice")
        index[story.cluster_id] = (position, story)
    return index


def _moved(old_order: list[str], new_order: list[str]) -> list[str]:
    """Kept stories, in new order, whose rank among the kept stories changed and that do not
    belong to every longest run kept in the same relative order (so a swap moves both stories,
    while one story jumping ahead moves only that story)."""
    new_rank = {cid: i for i, cid in enumerate(new_order)}
    seq = [new_rank[cid] for cid in old_order]
    n = len(seq)
    ends = [1] * n  # longest increasing run ending at i
    starts = [1] * n  # longest increasing run starting at i
    for i in range(n):
        for j in range(i):
            if seq[j] < seq[i]:
                ends[i] = max(ends[i], ends[j] + 1)
    for i in reversed(range(n)):
        for j in range(i + 1, n):
            if seq[j] > seq[i]:
                starts[i] = max(starts[i], starts[j] + 1)
    longest = max(ends, default=0)
    on_some = [ends[i] + starts[i] - 1 == longest for i in range(n)]
    per_length: dict[int, int] = {}
    for i in range(n):
        if on_some[i]:
            per_length[ends[i]] = per_length.get(ends[i], 0) + 1
    on_every = {old_order[i] for i in range(n) if on_some[i] and per_length[ends[i]] == 1}
    return [cid for cid in new_order if cid not in on_every and new_rank[cid] != old_order.index(cid)]
