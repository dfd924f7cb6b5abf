"""Attributed cluster summaries (the Summarizer port) and edition ranking and eligibility."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import digest
import digest_tools
from digest.core.attribution import according_to, attribute, strip_dateline
from digest.core.cluster import Cluster, cluster
from digest.core.feeds import parse_feed
from digest.core.ranking import eligible_clusters, plan_edition, score
from digest.core.story import CANCELED, WITHHELD, Source, Story
from digest.core.summarizer import ExtractiveSummarizer, Summarizer, Summary, summarize_cluster
from digest.core.text import word_count

PACKAGE = Path(digest.__file__).resolve().parent
SAMPLES = Path(digest_tools.__file__).resolve().parent / "samples"
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DAY = date(2026, 11, 28)
BASE = "https://news.example.org/digest"
AGENCIES = {
    "ap": ("Associated Press", "the Associated Press"),
    "afp": ("Agence France-Presse", "Agence France-Presse"),
    "reuters": ("Reuters", "Reuters"),
}


def story(sid: str, body: str, source: str = "ap", minutes: int = 0, title: str = "Headline", **wire) -> Story:
    agency, attribution = AGENCIES[source]
    return Story(
        sid,
        source,
        agency,
        attribution,
        sid,
        title,
        body,
        f"https://{source}.example/{sid}",
        T0 + timedelta(minutes=minutes),
        f"h-{sid}",
        **wire,
    )


@pytest.fixture(scope="module")
def sample_clusters() -> list[Cluster]:
    sources = {s["key"]: Source(**s) for s in json.loads((PACKAGE / "sources.json").read_text("utf-8"))}
    stories = [
        s
        for key in ("ap", "afp", "reuters")
        for s in parse_feed((SAMPLES / "feeds" / f"{key}.xml").read_bytes(), sources[key], NOW).stories
    ]
    return cluster(stories)


def attribution_uses(summary: Summary, c: Cluster) -> dict[str, int]:
    """How often each agency of the cluster is named in an attribution phrase."""
    attributions = {s.agency: s.attribution for s in c.stories}
    return {
        agency: summary.text.count(f", {attr} reported.") + summary.text.count(f", according to {attr}.")
        for agency, attr in attributions.items()
    }


def check_summary(summary: Summary, c: Cluster, max_words: int) -> None:
    """The invariants every summary of ``c`` must satisfy."""
    members = {s.story_id: s for s in c.stories}
    assert summary.sentences, "a summary of a non-empty cluster has at least its lede"
    # Traceable and verbatim: each sentence is in the story it is said to come from.
    for sentence, sid in summary.sentences:
        assert sid in members
        source = members[sid]
        assert sentence in strip_dateline(source.body) or sentence == source.title.strip()
    assert summary.sources == list(dict.fromkeys(sid for _, sid in summary.sentences))
    # The lede is the lead story's, first.
    assert summary.sentences[0][1] == c.lead.story_id
    # No sentence repeated.
    texts = [s for s, _ in summary.sentences]
    assert len(texts) == len(set(texts))
    # The text is the sentences, each agency's first one attributed, forms alternating.
    rendered, named = [], []
    for sentence, sid in summary.sentences:
        s = members[sid]
        if s.agency in named:
            rendered.append(sentence)
        else:
            form = attribute if len(named) % 2 == 0 else according_to
            rendered.append(form(sentence, s.attribution))
            named.append(s.agency)
    assert summary.text == " ".join(rendered)
    # Each agency used is named exactly once; others not at all.
    uses = attribution_uses(summary, c)
    for agency, count in uses.items():
        assert count == (1 if agency in named else 0), (agency, summary.text)
    # Word bounds: within max_words unless the lede alone is longer.
    assert len(summary.sentences) == 1 or word_count(summary.text) <= max_words


# --- summaries of the sample day ----------------------------------------------------------


def test_sample_summaries_satisfy_the_invariants(sample_clusters):
    for c in sample_clusters:
        summary = summarize_cluster(c)
        check_summary(summary, c, 110)
        assert word_count(summary.text) >= 60, summary.text  # every sample story has enough copy


@pytest.mark.parametrize("max_words", [1, 25, 50, 80, 110, 200, 400])
def test_sample_summaries_respect_any_budget(sample_clusters, max_words):
    for c in sample_clusters:
        check_summary(summarize_cluster(c, max_words=max_words, min_words=min(60, max_words)), c, max_words)


def test_three_agency_clusters_name_more_than_one_agency(sample_clusters):
    three = [c for c in sample_clusters if len(c.agencies) == 3]
    assert len(three) == 4
    for c in three:
        summary = summarize_cluster(c)
        named = [agency for agency, n in attribution_uses(summary, c).items() if n]
        assert len(named) >= 2, summary.text
        assert summary.text.count(" reported.") >= 1 and summary.text.count(", according to ") >= 1


def test_first_sentence_always_survives(sample_clusters):
    for c in sample_clusters:
        summary = summarize_cluster(c, max_words=3, min_words=3)
        assert len(summary.sentences) == 1
        assert summary.text == attribute(summary.sentences[0][0], c.lead.attribution)


# --- selection rules ----------------------------------------------------------------------


def test_lede_is_attributed_then_other_agencies_come_first():
    # 36 words: lede (13 with attribution) + AFP (14) + one more AP sentence (6); had AP's own
    # sentences come first, AFP would not have fitted. Display groups each agency's sentences.
    ap = story(
        "ap-1",
        "LIMA (AP) \u2014 A strong earthquake struck southern Peru on Friday. "
        "Rescuers dug through rubble in Arequipa. Schools were closed across the region.",
        "ap",
    )
    afp = story("afp-1", "Lima (AFP) - Peru declared a state of emergency in three provinces.", "afp", 30)
    summary = summarize_cluster(Cluster([ap, afp]), max_words=36, min_words=10)
    assert summary.text == (
        "A strong earthquake struck southern Peru on Friday, the Associated Press reported. "
        "Rescuers dug through rubble in Arequipa. "
        "Peru declared a state of emergency in three provinces, according to Agence France-Presse."
    )
    assert summary.sources == ["ap-1", "afp-1"]
    assert [sid for _, sid in summary.sentences] == ["ap-1", "ap-1", "afp-1"]


def test_near_duplicate_sentences_are_skipped():
    v1 = story("ap-1", "GENEVA (AP) \u2014 Talks on a plastics treaty ended on Friday. Delegates applauded.")
    v2 = story(
        "ap-2",
        "GENEVA (AP) \u2014 Talks on a global plastics treaty ended on Friday. Delegates applauded loudly.",
        minutes=20,
    )
    summary = summarize_cluster(Cluster([v1, v2]))
    assert [s for s, _ in summary.sentences] == ["Talks on a plastics treaty ended on Friday.", "Delegates applauded."]


def test_cut_quotes_and_dangling_sentences_are_skipped():
    body = (
        "LIMA (AP) \u2014 A strong earthquake struck southern Peru on Friday. "
        '"The whole house was dancing. We ran outside," said Rosa Quispe. '
        '"Nobody slept." '
        "He said more help was coming. "
        "Engineers inspected bridges across the Arequipa region."
    )
    summary = summarize_cluster(Cluster([story("ap-1", body)]))
    texts = [s for s, _ in summary.sentences]
    assert texts == [
        "A strong earthquake struck southern Peru on Friday.",
        "Engineers inspected bridges across the Arequipa region.",
    ]


def test_whole_quotes_with_a_speaker_are_kept():
    body = 'LIMA (AP) \u2014 A quake hit Peru. "We ran outside," said Rosa Quispe, a teacher.'
    summary = summarize_cluster(Cluster([story("ap-1", body)]))
    assert summary.sentences[-1][0] == '"We ran outside," said Rosa Quispe, a teacher.'


def test_summary_of_odd_clusters_does_not_raise():
    assert summarize_cluster(Cluster([])) == Summary("")
    no_body = summarize_cluster(Cluster([story("ap-1", "", title="Quake hits Lima")]))
    assert no_body.text == "Quake hits Lima, the Associated Press reported."
    assert no_body.sentences == [("Quake hits Lima", "ap-1")]
    nothing = summarize_cluster(Cluster([story("ap-1", "", title="")]))
    assert isinstance(nothing.text, str)


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
_sentence = st.builds(
    lambda first, rest, end, quote: quote + " ".join([first.capitalize(), *rest]) + end,
    _word,
    st.lists(_word, min_size=0, max_size=14),
    st.sampled_from([".", ".", "!", "?"]),
    st.sampled_from(["", "", "", '"', "he "]),
)
_dateline = st.sampled_from(["", "GENEVA (AP) \u2014 ", "Geneva (AFP) - ", "LONDON, Nov 27 (Reuters) - "])
_story = st.tuples(
    st.sampled_from(sorted(AGENCIES)),
    _dateline,
    st.lists(_sentence, max_size=8),
    st.integers(min_value=0, max_value=600),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_story, min_size=1, max_size=5),
    st.integers(min_value=1, max_value=150),
    st.integers(min_value=0, max_value=150),
)
def test_summary_invariants_hold_for_any_cluster(specs, max_words, min_words):
    stories = [
        story(f"s{i}", dateline + ("\n" if paragraphs else " ").join(body), source, minutes, title=f"Title {i}")
        for i, (source, dateline, body, minutes, paragraphs) in enumerate(specs)
    ]
    c = Cluster(sorted(stories, key=lambda s: (s.published, s.story_id)))
    check_summary(summarize_cluster(c, max_words=max_words, min_words=min_words), c, max_words)


# --- the Summarizer port ------------------------------------------------------------------


class FixedSummarizer:
    def summarize(self, cluster: Cluster) -> Summary:
        return Summary(f"Fixed summary of {cluster.cluster_id}.", [], [])


def test_extractive_summarizer_satisfies_the_protocol(sample_clusters):
    summarizer: Summarizer = ExtractiveSummarizer()
    assert isinstance(summarizer, Summarizer)
    assert isinstance(FixedSummarizer(), Summarizer)
    c = sample_clusters[0]
    assert summarizer.summarize(c) == summarize_cluster(c, 110, 60)
    short = ExtractiveSummarizer(max_words=40, min_words=20).summarize(c)
    check_summary(short, c, 40)


def test_plan_edition_uses_the_default_and_a_given_summarizer(sample_clusters):
    edition = plan_edition(DAY, sample_clusters, NOW, BASE, 5)
    assert edition is not None
    by_id = {c.cluster_id: c for c in sample_clusters}
    for s in edition.all_stories:
        assert s.summary == summarize_cluster(by_id[s.cluster_id]).text
    fixed = plan_edition(DAY, sample_clusters, NOW, BASE, 5, summarizer=FixedSummarizer())
    assert fixed is not None
    assert all(s.summary == f"Fixed summary of {s.cluster_id}." for s in fixed.all_stories)


# --- ranking ------------------------------------------------------------------------------


def quake(prefix: str, sources: list[str], minutes: int = 0, **wire) -> Cluster:
    return Cluster(
        [
            story(f"{prefix}-{i}", "LIMA (AP) \u2014 A quake hit Peru.", src, minutes + i, **wire)
            for i, src in enumerate(sources)
        ]
    )


def test_three_agencies_beat_one_even_if_urgent_big_and_fresh():
    wide = quake("a", ["ap", "afp", "reuters"], urgency=5)
    narrow = quake("b", ["ap"] * 6, minutes=600, urgency=1)
    assert score(wide, NOW) > score(narrow, NOW)


def test_urgency_1_beats_5_at_equal_agencies():
    flash = quake("a", ["ap", "afp"], urgency=1)
    routine = quake("b", ["ap", "afp", "afp", "ap", "afp"], minutes=900, urgency=5)
    assert score(flash, NOW) > score(routine, NOW)


def test_size_then_recency_break_ties_of_agencies_and_urgency():
    bigger = quake("a", ["ap", "ap", "ap"])
    smaller = quake("b", ["ap"], minutes=900)
    assert score(bigger, NOW) > score(smaller, NOW)
    older, newer = quake("c", ["ap"]), quake("d", ["ap"], minutes=900)
    assert score(newer, NOW) > score(older, NOW)


def test_pin_beats_all():
    wide = quake("a", ["ap", "afp", "reuters"], urgency=1)
    pinned = quake("b", ["ap"], urgency=9, minutes=-3000)
    assert score(pinned, NOW, frozenset({pinned.cluster_id})) > score(wide, NOW)
    edition = plan_edition(DAY, [wide, pinned], NOW, BASE, 5, pinned=frozenset({pinned.cluster_id}))
    assert edition is not None and edition.lead.cluster_id == pinned.cluster_id


def test_plan_edition_orders_by_score_and_ties_by_cluster_id():
    wide, narrow = quake("m", ["ap", "afp", "reuters"]), quake("z", ["ap"])
    twin_a, twin_b = quake("b", ["ap"]), quake("a", ["ap"])  # same score as narrow
    twin_a = Cluster([replace(s, published=narrow.stories[0].published) for s in twin_a.stories])
    twin_b = Cluster([replace(s, published=narrow.stories[0].published) for s in twin_b.stories])
    for clusters in ([narrow, twin_a, wide, twin_b], [twin_b, wide, twin_a, narrow]):
        edition = plan_edition(DAY, clusters, NOW, BASE, 10)
        assert edition is not None
        assert [s.cluster_id for s in edition.all_stories] == ["m-0", "a-0", "b-0", "z-0"]


def test_score_of_an_empty_cluster_is_zero():
    assert score(Cluster([]), NOW) == 0.0


# --- eligibility --------------------------------------------------------------------------


def test_embargoed_and_canceled_stories_never_reach_an_edition():
    live = story("ap-1", "LIMA (AP) \u2014 A quake hit Peru. Homes collapsed.", "ap")
    killed = story("afp-1", "Lima (AFP) - Peru quake: story withdrawn.", "afp", 5, status=CANCELED)
    embargoed = story(
        "reu-1", "LIMA, Nov 27 (Reuters) - Embargoed detail.", "reuters", 6, embargo=NOW + timedelta(hours=2)
    )
    held = story("ap-9", "NEW YORK (AP) \u2014 A withheld report.", "ap", 7, status=WITHHELD)
    later = story("ap-8", "ZURICH (AP) \u2014 Future rate decision.", "ap", 8, embargo=NOW + timedelta(days=1))
    clusters = [Cluster([live, killed, embargoed]), Cluster([held]), Cluster([later])]
    edition = plan_edition(DAY, clusters, NOW, BASE, 10)
    assert edition is not None
    assert len(edition.all_stories) == 1
    only = edition.lead
    assert only.cluster_id == "ap-1" and only.agencies == ["Associated Press"]
    assert [link.url for link in only.links] == [live.url]
    for hidden in ("withdrawn", "Embargoed", "withheld", "Future"):
        assert hidden not in only.summary


def test_an_embargo_that_has_passed_is_fine():
    s = story("ap-1", "LIMA (AP) \u2014 A quake hit Peru.", embargo=NOW - timedelta(minutes=1))
    assert eligible_clusters([Cluster([s])], NOW) == [Cluster([s])]


def test_nothing_eligible_means_no_edition():
    killed = story("ap-1", "LIMA (AP) \u2014 A quake hit Peru.", status=CANCELED)
    assert plan_edition(DAY, [Cluster([killed]), Cluster([])], NOW, BASE, 5) is None


def test_a_pin_survives_filtering_out_the_pinned_id():
    first = story("a-0", "LIMA (AP) \u2014 A quake hit Peru.", "ap", status=CANCELED)
    rest = story("a-1", "Lima (AFP) - A quake hit Peru.", "afp", 5)
    wide = quake("m", ["ap", "afp", "reuters"])
    edition = plan_edition(DAY, [wide, Cluster([first, rest])], NOW, BASE, 5, pinned=frozenset({"a-0"}))
    assert edition is not None and edition.lead.cluster_id == "a-1"
