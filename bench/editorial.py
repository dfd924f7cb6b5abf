"""Editorial quality of the summaries, on the bundled sample day and on the labeled evaluation day.

For every story of an edition built from all of a day's clusters, counts what an editor would
strike: restated leads (a sentence that is another report's lead, or says the lead again in other
words), stale figures (a number for a quantity that is not its newest figure: in the summary, in
the headline), dangling sentences (leaning on a sentence the summary does not print just before
it, or quoting someone it has not named), summaries that name no agency (or credit a source key),
and words and paragraphs per summary. The evaluation day's labels give the current figure of each
quantity and which reports tell one event; the sample day's current figures are its newest
reports'. Goal: zero of each problem on both days.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import digest
import digest_tools
from digest.core.cluster import Cluster, cluster
from digest.core.credit import unconfigured_source
from digest.core.edition import Edition, EditionStory
from digest.core.figures import Reported, figures, timeline
from digest.core.ranking import plan_edition
from digest.core.sentences import Sentence, report_sentences
from digest.core.story import Source, Story
from digest.core.wire import parse_wire

ROOT = Path(__file__).resolve().parent.parent
EVALUATION = ROOT / "tests" / "data" / "editorial"
SAMPLES = Path(digest_tools.__file__).resolve().parent / "samples" / "feeds"
SAMPLE_NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
RESTATES = 0.5  # share of a sentence's content words and names already in the lead: it says the lead again
EARLIER = ("reported earlier by", "first reported as")  # the summary's own sentences about older figures


@dataclass
class Day:
    """A day's stories, clusters, edition and (for the evaluation day) its labels."""

    name: str
    stories: list[Story]
    clusters: list[Cluster]
    edition: Edition
    current: dict[str, dict[str, float]] = field(default_factory=dict)  # cluster id -> kind -> figure


@dataclass
class Problems:
    """What an editor would strike in one story."""

    restated: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    stale_headline: list[str] = field(default_factory=list)
    dangling: list[str] = field(default_factory=list)
    unnamed: list[str] = field(default_factory=list)
    words: int = 0
    paragraphs: int = 0


def sources(path: Path) -> dict[str, Source]:
    return {s["key"]: Source(**s) for s in json.loads(path.read_text("utf-8"))}


def sample_day() -> Day:
    """The bundled sample feeds, as ``digest demo`` ingests them (without moving their dates)."""
    srcs = sources(Path(digest.__file__).resolve().parent / "sources.json")
    stories = [
        s
        for key in ("ap", "afp", "reuters")
        for s in parse_wire((SAMPLES / f"{key}.xml").read_bytes(), srcs[key], SAMPLE_NOW).stories
    ]
    return _day("sample", stories, SAMPLE_NOW, date(2026, 11, 28), {})


def evaluation_day(folder: Path = EVALUATION) -> Day:
    """The labeled evaluation day: its feeds (one not configured, named by its own title)."""
    labels = json.loads((folder / "labels.json").read_text("utf-8"))
    srcs = sources(folder / "sources.json")
    now = datetime.fromisoformat(labels["now"])
    stories: list[Story] = []
    for key, name in labels["feeds"].items():
        data = (folder / name).read_bytes()
        stories += parse_wire(data, srcs.get(key) or unconfigured_source(data, key, name), now).stories
    return _day("evaluation", stories, now, date.fromisoformat(labels["edition_date"]), labels)


def _day(name: str, stories: list[Story], now: datetime, day: date, labels: dict[str, object]) -> Day:
    clusters = cluster(stories)
    edition = plan_edition(day, clusters, now, "https://news.example.org/digest", len(clusters))
    assert edition is not None
    current: dict[str, dict[str, float]] = {}
    by_guid = {s.guid: s.story_id for s in stories}
    for event in labels.get("events", []):  # type: ignore[attr-defined]
        ids = {by_guid[g] for g in event["reports"]}
        for c in clusters:
            if ids & {s.story_id for s in c.stories}:
                current[c.cluster_id] = {k: float(v) for k, v in event["figures"].items()}
    for c in clusters:  # unlabeled: the newest report's figure of each quantity
        if c.cluster_id not in current:
            said = [s for story in c.stories for s in report_sentences(story)]
            found = timeline(
                Reported(f, s.story.published, s.story.story_id, "", s.index) for s in said for f in s.figures
            )
            current[c.cluster_id] = {k: r.figure.value for k, r in found.current.items()}
    return Day(name, stories, clusters, edition, current)


def event_splits(day: Day, labels: dict[str, object]) -> list[str]:
    """Labeled events whose reports ended up in more than one cluster, or shared one with another."""
    cluster_of = {s.guid: c.cluster_id for c in day.clusters for s in c.stories}
    out, owner = [], {}
    for event in labels["events"]:  # type: ignore[index]
        ids = {cluster_of[g] for g in event["reports"]}
        if len(ids) > 1:
            out.append(f"{event['name']}: split over {len(ids)} clusters")
        for cid in ids:
            if cid in owner:
                out.append(f"{event['name']}: shares a cluster with {owner[cid]}")
            owner[cid] = event["name"]
    return out


def problems(day: Day, story: EditionStory) -> Problems:
    """Everything an editor would strike in ``story`` of ``day``'s edition."""
    c = next(c for c in day.clusters if c.cluster_id == story.cluster_id)
    reports = {s.story_id: report_sentences(s) for s in c.stories}
    current = day.current.get(c.cluster_id, {})
    out = Problems(words=len(story.summary.split()), paragraphs=len(story.summary.split("\n\n")))
    traced = [(t, _sentence(reports, t.story_id, t.index, t.sentence)) for t in story.sources]
    lead = traced[0][1] if traced else None
    for i, (t, s) in enumerate(traced):
        if s is None:  # the summary's own sentence about an earlier figure
            if not any(mark in t.sentence for mark in EARLIER):
                out.dangling.append(f"untraceable: {t.sentence}")
            continue
        for f in figures(s.text):
            if f.kind in current and f.value != current[f.kind]:
                out.stale.append(f"{f.kind} {f.text} (now {current[f.kind]:g}): {s.text}")
        if i and lead is not None:
            if s.index == 0:
                out.restated.append(f"another report's lead: {s.text}")
            elif _restates(s, lead):
                out.restated.append(f"says the lead again: {s.text}")
        before = traced[i - 1][1] if i else None
        follows = before is not None and before.story.story_id == s.story.story_id and before.index == s.index - 1
        named = " ".join(t.sentence for t, _ in traced[:i])
        if i and (s.leans or (s.speaker and s.speaker not in named)) and not follows:
            out.dangling.append(s.text)
    for f in figures(story.headline):
        if f.kind in current and f.value != current[f.kind]:
            out.stale_headline.append(f"{f.kind} {f.text} (now {current[f.kind]:g}): {story.headline}")
    credits = {s.attribution for s in c.stories}
    if not any(f", {a} reported" in story.summary or f"according to {a}" in story.summary for a in credits):
        out.unnamed.append(story.summary[:80])
    keys = {s.source for s in c.stories} - {s.agency for s in c.stories}
    out.unnamed += [
        f"source key {k!r} credited" for k in keys if f", {k} reported" in story.summary or f"to {k}." in story.summary
    ]
    return out


def _sentence(reports: dict[str, list[Sentence]], story_id: str, index: int, printed: str) -> Sentence | None:
    """The report sentence a traced summary sentence was printed from (None: not from a report)."""
    found = reports.get(story_id, [])
    if 0 <= index < len(found) and printed.startswith(found[index].text.rstrip(".")):
        return found[index]
    return None


def _restates(s: Sentence, lead: Sentence) -> bool:
    said = lead.content | lead.keys
    mine = s.content | s.keys
    return bool(mine) and len(mine & said) / len(mine) > RESTATES


def report(day: Day) -> dict[str, float]:
    """The day's totals, printed per summary where there are problems."""
    found = [(story, problems(day, story)) for story in day.edition.all_stories]
    words = [p.words for _, p in found]
    totals = {
        "summaries": len(found),
        "restated leads": sum(len(p.restated) for _, p in found),
        "stale figures in summaries": sum(len(p.stale) for _, p in found),
        "stale figures in headlines": sum(len(p.stale_headline) for _, p in found),
        "dangling sentences": sum(len(p.dangling) for _, p in found),
        "summaries without an agency name": sum(bool(p.unnamed) for _, p in found),
        "words min": min(words),
        "words median": statistics.median(words),
        "words max": max(words),
        "paragraphs max": max(p.paragraphs for _, p in found),
        "notes for the editor": sum(len(s.notes) for s, _ in found),
    }
    for story, p in found:
        for kind in ("restated", "stale", "stale_headline", "dangling", "unnamed"):
            for item in getattr(p, kind):
                print(f"    {story.anchor} {kind}: {item}")
    return totals


def main() -> None:
    print("editorial: problems an editor would strike in the summaries (goal: 0 of each)")
    days = [sample_day(), evaluation_day()]
    splits = event_splits(days[1], json.loads((EVALUATION / "labels.json").read_text("utf-8")))
    rows = {day.name: report(day) for day in days}
    names = list(rows[days[0].name])
    print(f"{'':36}" + "".join(f"{d.name:>14}" for d in days))
    for name in names:
        print(f"{name:36}" + "".join(f"{rows[d.name][name]:>14g}" for d in days))
    print(f"{'labeled events split or merged':36}{'':>14}{len(splits):>14}")
    for line in splits:
        print(f"    {line}")


if __name__ == "__main__":
    main()
