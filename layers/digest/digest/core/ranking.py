"""Ranking: which clusters lead the day, in what order, and the edition planned from them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from operator import itemgetter

from digest.core.attribution import summarize
from digest.core.cluster import Cluster
from digest.core.edition import Edition, EditionStory, Link, date_label, preheader
from digest.core.story import Story
from digest.core.summarizer import MAX_PARAGRAPHS, MAX_WORDS, MIN_WORDS, ExtractiveSummarizer, Summarizer

# Ranking weights. Each tier outweighs everything below it, so the order is lexicographic:
# pinned, then agencies, then urgency, then size, then recency.
PIN_BONUS = 10_000.0  # an editor's pin beats any number of agencies
AGENCY_WEIGHT = 100.0  # per distinct agency covering the event
URGENCY_WEIGHT = 10.0  # per IPTC step above the lowest (9): urgency 1 adds 80, urgency 5 adds 40
SIZE_WEIGHT, SIZE_CAP = 1.0, 8  # per story, counted up to SIZE_CAP (at most 8 < URGENCY_WEIGHT)
RECENCY_WEIGHT, RECENCY_HOURS = 1.0, 6.0  # RECENCY_WEIGHT / (1 + hours old / RECENCY_HOURS)


def score(cluster: Cluster, now: datetime, pinned: Collection[str] = frozenset()) -> float:
    """Rank of a cluster (higher first); ties are broken by ``cluster_id`` in :func:`plan_edition`.

    ``PIN_BONUS`` if the cluster id is in ``pinned``, plus ``AGENCY_WEIGHT`` per agency, plus
    ``URGENCY_WEIGHT * (9 - u)`` for the most urgent member's IPTC urgency ``u`` (1 = flash),
    plus ``SIZE_WEIGHT`` per story (up to ``SIZE_CAP``), plus a recency term in (0, 1] that halves
    when the newest story is ``RECENCY_HOURS`` old. An empty cluster scores 0.

    Examples
    --------
    >>> from datetime import timezone
    >>> from digest.core.story import Story
    >>> t = datetime(2026, 11, 28, tzinfo=timezone.utc)
    >>> s = Story("1", "ap", "AP", "the AP", "g", "T", "B.", "", t, "h", urgency=3)
    >>> score(Cluster([s]), t)
    162.0
    >>> score(Cluster([s]), t, pinned={"1"})
    10162.0
    """
    return _score(cluster.stories, cluster.cluster_id, now, pinned)


def _score(stories: list[Story], cluster_id: str, now: datetime, pinned: Collection[str]) -> float:
    """:func:`score` from the stories and id (most clusters are one story: read it directly;
    plain comparisons rather than min/max calls, as this runs for every cluster of the day)."""
    if len(stories) == 1:
        newest, urgency, agencies = stories[0].published, stories[0].urgency, 1
    elif stories:
        newest = max([s.published for s in stories])
        urgency = min([s.urgency for s in stories])
        agencies = len({s.agency for s in stories})
    else:
        return 0.0
    hours_old = (now - newest).total_seconds() / 3600
    urgency = max(1, min(9, urgency))
    size = min(len(stories), SIZE_CAP)
    return (
        (PIN_BONUS if cluster_id in pinned else 0.0)
        + AGENCY_WEIGHT * agencies
        + URGENCY_WEIGHT * (9 - urgency)
        + SIZE_WEIGHT * size
        + RECENCY_WEIGHT / (1.0 + (hours_old if hours_old > 0 else 0.0) / RECENCY_HOURS)
    )


def _ranked(clusters: list[Cluster], now: datetime, pinned: Collection[str], count: int) -> list[Cluster]:
    """The ``count`` best eligible clusters, best first: :func:`eligible_clusters`, then the sort
    by :func:`score` and ``cluster_id``, with each cluster's id and score worked out once."""
    pins, eligible = set(pinned), []
    for original in clusters:
        stories = original.stories
        if len(stories) == 1:  # the common case, without the lists
            if not stories[0].eligible(now):
                continue
            kept, kept_id = original, stories[0].story_id
        else:
            usable = [s for s in stories if s.eligible(now)]
            if not usable:
                continue
            kept = original if len(usable) == len(stories) else Cluster(usable, set(original.words))
            kept_id = min([s.story_id for s in usable])
        if pins and original.cluster_id in pins:
            pins.add(kept_id)
        eligible.append((kept_id, kept))
    keyed = [(-_score(c.stories, kept_id, now, pins), kept_id, c) for kept_id, c in eligible]
    keyed.sort(key=itemgetter(0, 1))
    return [c for _, _, c in keyed[: max(0, count)]]


def eligible_clusters(clusters: list[Cluster], now: datetime) -> list[Cluster]:
    """The clusters cut down to the stories that may be published at ``now`` (usable and past
    any embargo); clusters left empty are dropped.

    Examples
    --------
    >>> from datetime import timezone
    >>> from digest.core.story import Story
    >>> t = datetime(2026, 11, 28, tzinfo=timezone.utc)
    >>> killed = Story("1", "ap", "AP", "the AP", "g", "T", "B.", "", t, "h", status="canceled")
    >>> eligible_clusters([Cluster([killed])], t)
    []
    """
    kept = []
    for c in clusters:
        stories = [s for s in c.stories if s.eligible(now)]
        if stories:
            kept.append(c if len(stories) == len(c.stories) else Cluster(stories, set(c.words)))
    return kept


def plan_edition(
    day: date,
    clusters: list[Cluster],
    now: datetime,
    public_base_url: str,
    max_stories: int,
    title: str = "Morning Digest",
    summarizer: Summarizer | None = None,
    pinned: Collection[str] = frozenset(),
    *,
    min_words: int = MIN_WORDS,
    max_words: int = MAX_WORDS,
    max_paragraphs: int = MAX_PARAGRAPHS,
) -> Edition | None:
    """Pick and order the day's stories; ``None`` when there is nothing to publish.

    Only stories eligible at ``now`` are used (see :func:`eligible_clusters`). Clusters are
    ranked by :func:`score`, ties by ``cluster_id``; ``pinned`` holds editor-pinned cluster ids
    (a pin also holds when the pinned id's story was filtered out). Summaries come from
    ``summarizer`` (default :class:`~digest.core.summarizer.ExtractiveSummarizer` with the
    ``min_words``, ``max_words`` and ``max_paragraphs`` limits), for the chosen clusters only.

    Examples
    --------
    >>> from datetime import timezone
    >>> plan_edition(date(2026, 11, 28), [], datetime(2026, 11, 28, 10, tzinfo=timezone.utc), "https://x", 5) is None
    True
    """
    ranked = _ranked(clusters, now, pinned, max_stories)
    if not ranked:
        return None
    writer = summarizer if summarizer is not None else ExtractiveSummarizer(max_words, min_words, max_paragraphs)
    chosen = [_edition_story(i, c, writer) for i, c in enumerate(ranked, start=1)]
    iso = day.isoformat()
    return Edition(
        date=iso,
        date_label=date_label(iso),
        title=title,
        lang="en",
        preheader=preheader(chosen),
        web_url=f"{public_base_url}/{iso}/index.html",
        audio_url=f"{public_base_url}/{iso}/edition.mp3",
        lead=chosen[0],
        stories=chosen[1:],
    )


def _edition_story(rank: int, cluster: Cluster, summarizer: Summarizer) -> EditionStory:
    """The cluster as the edition shows it: the summarizer's summary, headline (the lead story's
    when the summarizer gives none), sentence sources and notes for the editor."""
    links = [Link(s.agency, s.url) for s in cluster.stories if s.url.startswith("https://")]
    summary = summarizer.summarize(cluster)
    notes = list(getattr(summary, "notes", []))
    if not summary.text:
        notes.append("the summarizer gave no text: the lead report's own summary is used")
    return EditionStory(
        anchor=f"story-{rank}",
        cluster_id=cluster.cluster_id,
        headline=getattr(summary, "headline", "") or cluster.lead.title,
        summary=summary.text or summarize(cluster.lead),
        agencies=cluster.agencies,
        links=list({link.url: link for link in links}.values()),
        corrected=any(s.corrected for s in cluster.stories),
        story_ids=sorted(s.story_id for s in cluster.stories),
        sources=list(getattr(summary, "trace", [])),
        notes=notes,
    )
