"""Ranking: which clusters lead the day, in what order, and the edition planned from them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from digest.core.attribution import summarize
from digest.core.cluster import Cluster
from digest.core.edition import Edition, EditionStory, Link, date_label, preheader
from digest.core.summarizer import ExtractiveSummarizer, Summarizer


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
    if not cluster.stories:
        return 0.0
    newest = max(s.published for s in cluster.stories)
    hours_old = max(0.0, (now - newest).total_seconds() / 3600)
    urgency = min(max(1, min(9, s.urgency)) for s in cluster.stories)
    return (
        (PIN_BONUS if cluster.cluster_id in pinned else 0.0)
        + AGENCY_WEIGHT * len(cluster.agencies)
        + URGENCY_WEIGHT * (9 - urgency)
        + SIZE_WEIGHT * min(len(cluster.stories), SIZE_CAP)
        + RECENCY_WEIGHT / (1.0 + hours_old / RECENCY_HOURS)
    )


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
) -> Edition | None:
    """Pick and order the day's stories; ``None`` when there is nothing to publish.

    Only stories eligible at ``now`` are used (see :func:`eligible_clusters`). Clusters are
    ranked by :func:`score`, ties by ``cluster_id``; ``pinned`` holds editor-pinned cluster ids
    (a pin also holds when the pinned id's story was filtered out). Summaries come from
    ``summarizer`` (default :class:`~digest.core.summarizer.ExtractiveSummarizer`).

    Examples
    --------
    >>> from datetime import timezone
    >>> plan_edition(date(2026, 11, 28), [], datetime(2026, 11, 28, 10, tzinfo=timezone.utc), "https://x", 5) is None
    True
    """
    pins, eligible = set(pinned), []
    for original in clusters:
        for kept in eligible_clusters([original], now):
            if original.cluster_id in pins:
                pins.add(kept.cluster_id)
            eligible.append(kept)
    ranked = sorted(eligible, key=lambda c: (-score(c, now, pins), c.cluster_id))[: max(0, max_stories)]
    if not ranked:
        return None
    writer = summarizer if summarizer is not None else ExtractiveSummarizer()
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
    links = [Link(s.agency, s.url) for s in cluster.stories if s.url.startswith("https://")]
    text = summarizer.summarize(cluster).text
    return EditionStory(
        anchor=f"story-{rank}",
        cluster_id=cluster.cluster_id,
        headline=cluster.lead.title,
        summary=text or summarize(cluster.lead),
        agencies=cluster.agencies,
        links=list({link.url: link for link in links}.values()),
        corrected=any(s.corrected for s in cluster.stories),
        story_ids=sorted(s.story_id for s in cluster.stories),
    )
