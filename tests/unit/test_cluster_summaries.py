"""Attributed cluster summaries (the Summarizer port): one story told once, the newest figures,
coherent sentences, every sentence traced; and edition ranking and eligibility."""

from __future__ import annotations

import json
import re
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import digest
import digest_tools
from bench import editorial
from digest.core import sentences as sentences_module
from digest.core.cluster import Cluster, cluster
from digest.core.edition import SHOWN_FIELDS, EditionStory, Link, SentenceSource
from digest.core.ranking import eligible_clusters, plan_edition, score
from digest.core.sentences import iter_sentences, report_sentences
from digest.core.snapshot import edition_from_json, edition_to_json
from digest.core.story import CANCELED, WITHHELD, Source, Story
from digest.core.summarizer import ExtractiveSummarizer, Summarizer, Summary, summarize_cluster
from digest.core.text import word_count
from digest.core.wire import parse_wire

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
        for s in parse_wire((SAMPLES / "feeds" / f"{key}.xml").read_bytes(), sources[key], NOW).stories
    ]
    return cluster(stories)


def attribution_uses(summary: Summary, c: Cluster) -> dict[str, int]:
    """How often each agency of the cluster is named in an attribution phrase."""
    attributions = {s.agency: s.attribution for s in c.stories}
    return {
        agency: summary.text.count(f", {attr} reported.") + summary.text.count(f", according to {attr}.")
        for agency, attr in attributions.items()
    }


def check_summary(summary: Summary, c: Cluster, max_words: int, max_paragraphs: int = 3) -> None:
    """The invariants every summary of ``c`` must satisfy."""
    members = {s.story_id: s for s in c.stories}
    reports = {sid: report_sentences(s) for sid, s in members.items()}
    assert summary.text and summary.sentences and summary.trace
    # Traceable and verbatim: each sentence is the cleaned report's sentence at its index.
    for sentence, sid in summary.sentences:
        texts = [s.text for s in reports[sid]]
        assert sentence in texts or sentence == members[sid].title.strip(), sentence
    assert summary.sources == list(dict.fromkeys(sid for _, sid in summary.sentences))
    for t in summary.trace:
        assert t.story_id in members and t.sentence in summary.text
        assert t.agency in {s.agency for s in c.stories}
    # The printed sentences are the text, in order, in at most max_paragraphs paragraphs.
    paragraphs = summary.text.split("\n\n")
    assert 1 <= len(paragraphs) <= max_paragraphs
    assert " ".join(paragraphs) == " ".join(t.sentence for t in summary.trace)
    # One lead: the first sentence is a report's lead, no other report's lead follows.
    verbatim = [(t, reports[t.story_id]) for t in summary.trace if t.index >= 0 and not _earlier(t)]
    if reports[summary.sentences[0][1]]:
        assert verbatim[0][0].index == 0
        assert all(t.index > 0 for t, _ in verbatim[1:]), summary.text
    # No sentence leans on one that is not printed just before it.
    flat = [(t.story_id, t.index) for t in summary.trace]
    for i, (t, report) in enumerate(verbatim):
        s = report[t.index]
        if i and s.leans:
            assert flat[flat.index((t.story_id, t.index)) - 1] == (t.story_id, t.index - 1), summary.text
    # No sentence repeated; each agency used named exactly once, by its name.
    texts = [s for s, _ in summary.sentences]
    assert len(texts) == len(set(texts))
    used = {members[sid].agency for _, sid in summary.sentences}
    for agency, count in attribution_uses(summary, c).items():
        assert count == (1 if agency in used else 0), (agency, summary.text)
    # Word bounds: within max_words unless the lead alone is longer.
    assert len(summary.sentences) == 1 or word_count(summary.text) <= max_words


def _earlier(t: SentenceSource) -> bool:
    return "reported earlier by" in t.sentence or "first reported as" in t.sentence


# --- both days, as an editor reads them ----------------------------------------------------


@pytest.fixture(scope="module")
def days() -> list[editorial.Day]:
    return [editorial.sample_day(), editorial.evaluation_day()]


@pytest.mark.parametrize("problem", ["restated", "stale", "stale_headline", "dangling", "unnamed"])
def test_no_summary_of_either_day_has_problems(days, problem):
    for day in days:
        for s in day.edition.all_stories:
            assert getattr(editorial.problems(day, s), problem) == [], (day.name, s.headline, s.summary)


def test_summaries_are_60_to_150_words_in_one_to_three_paragraphs(days):
    for day in days:
        for s in day.edition.all_stories:
            words, paragraphs = word_count(s.summary), s.summary.count("\n\n") + 1
            assert words <= 150 and 1 <= paragraphs <= 3, s.summary
            assert words >= 60 or any("under the minimum" in n for n in s.notes), s.summary


def test_the_evaluation_day_clusters_its_labeled_events(days):
    labels = json.loads((editorial.EVALUATION / "labels.json").read_text("utf-8"))
    assert editorial.event_splits(days[1], labels) == []


def test_an_unconfigured_feed_is_credited_by_its_own_name(days):
    library = next(s for s in days[1].edition.all_stories if "library" in s.headline)
    assert library.summary.endswith(", Kastro Evening Gazette reported.")
    assert "gazette reported" not in library.summary
    assert library.notes == ["summary is 28 words, under the minimum of 60: the reports add nothing more"]


def test_sample_summaries_satisfy_the_invariants(sample_clusters):
    for c in sample_clusters:
        check_summary(summarize_cluster(c), c, 150)


@pytest.mark.parametrize("max_words", [1, 25, 50, 80, 110, 200, 400])
def test_sample_summaries_respect_any_budget(sample_clusters, max_words):
    for c in sample_clusters:
        check_summary(summarize_cluster(c, max_words=max_words, min_words=min(60, max_words)), c, max_words)


def test_one_paragraph_when_configured(sample_clusters):
    for c in sample_clusters:
        summary = summarize_cluster(c, max_paragraphs=1)
        check_summary(summary, c, 150, max_paragraphs=1)
        assert "\n" not in summary.text


def test_three_agency_clusters_name_a_second_agency_where_it_adds_a_fact(sample_clusters):
    three = [c for c in sample_clusters if len(c.agencies) == 3]
    assert len(three) == 4
    for c in three:
        summary = summarize_cluster(c)
        named = [agency for agency, n in attribution_uses(summary, c).items() if n]
        assert len(named) >= 2, summary.text
        assert " reported." in summary.text and ", according to " in summary.text


# --- one story, told once ----------------------------------------------------------------------


PORTUGAL = [
    story("r", "LISBON, Nov 27 (Reuters) - Portugal's minority government lost a no-confidence vote in parliament on Friday. "
          "Five deputies abstained.", "reuters", 0),
    story("p", "LISBON, Portugal (AP) \u2014 Portuguese Prime Minister Rui Calado's government collapsed Friday after losing a "
          "confidence vote in parliament. Calado, 52, told reporters he would stay on as caretaker.", "ap", 45),
    story("f", "Lisbon (AFP) - Portugal's parliament toppled Prime Minister Rui Calado on Friday, passing a no-confidence "
          "motion in a vote on his minority government. The crisis was triggered by the rejection of the 2027 budget.",
          "afp", 75),
]  # fmt: skip


def test_one_lead_the_newest_complete_one_and_no_other_report_lead():
    summary = summarize_cluster(Cluster(PORTUGAL), min_words=10)
    assert summary.sentences[0] == (
        "Portugal's parliament toppled Prime Minister Rui Calado on Friday, passing a no-confidence motion in a vote "
        "on his minority government.",
        "f",
    )
    leads = {report_sentences(s)[0].text for s in PORTUGAL}
    assert sum(sentence in leads for sentence, _ in summary.sentences) == 1
    assert ("Five deputies abstained.", "r") in summary.sentences  # adds a fact: used, credited to Reuters
    assert summary.text.count("Reuters reported.") + summary.text.count("according to Reuters.") == 1


def test_a_sentence_that_says_nothing_new_is_left_out():
    v1 = story("ap-1", "GENEVA (AP) \u2014 Talks on a plastics treaty ended on Friday. Delegates applauded.")
    v2 = story(
        "ap-2",
        "GENEVA (AP) \u2014 Talks on a global plastics treaty ended on Friday. Delegates applauded loudly.",
        minutes=20,
    )
    summary = summarize_cluster(Cluster([v1, v2]), min_words=5)
    assert summary.sentences == [
        ("Talks on a global plastics treaty ended on Friday.", "ap-2"),
        ("Delegates applauded loudly.", "ap-2"),
    ]


# --- developing stories -----------------------------------------------------------------------


QUAKE = [
    story("a", "AREQUIPA, Peru (AP) \u2014 A magnitude 7.1 earthquake struck southern Peru on Friday, killing at least six people. "
          "Schools were closed across the Arequipa region.", "ap", 0, title="Quake in Peru kills at least 6"),
    story("b", "Lima (AFP) - Peru declared an emergency after a 7.1-magnitude earthquake killed at least nine people. "
          "Peru's Geophysical Institute put its magnitude at 7.0. A tsunami warning was lifted after two hours.",
          "afp", 100, title="Quake kills nine in Peru"),
    story("c", "LIMA, Nov 27 (Reuters) - The death toll from a magnitude 7.1 earthquake off southern Peru rose to 11 on Friday, "
          "authorities said. Rescuers reached villages cut off by landslides.", "reuters", 300,
          title="Peru quake death toll rises to 11"),
]  # fmt: skip


def test_the_newest_figure_leads_credited_and_the_older_one_is_given_as_earlier():
    summary = summarize_cluster(Cluster(QUAKE), min_words=10)
    first = summary.text.split("\n\n")[0]
    assert first.startswith("The death toll from a magnitude 7.1 earthquake off southern Peru rose to 11 on Friday")
    assert "rose to 11 on Friday, authorities said, Reuters reported." in first
    assert "The death toll is up from nine reported earlier by Agence France-Presse." in first
    assert "six" not in summary.text and "7.0" not in summary.text
    assert summary.headline == "Peru quake death toll rises to 11"
    earlier = [t for t in summary.trace if "reported earlier" in t.sentence]
    assert [(t.story_id, t.index, t.agency) for t in earlier] == [("b", 0, "Agence France-Presse")]


def test_the_headline_comes_from_a_report_with_current_figures():
    stale_title = [replace(QUAKE[0], published=T0), replace(QUAKE[2], title="Rescuers reach Andean villages")]
    summary = summarize_cluster(Cluster(stale_title), min_words=10)
    assert summary.headline == "Rescuers reach Andean villages"


def test_a_headline_that_contradicts_the_summary_is_flagged():
    only_stale = [QUAKE[0], replace(QUAKE[2], title="Peru quake kills 6")]
    summary = summarize_cluster(Cluster(only_stale), min_words=10)
    assert summary.headline == "Peru quake kills 6"
    assert any(n.startswith("headline contradicts summary: it says 6 where the summary has 11") for n in summary.notes)


def test_figures_that_cannot_be_ordered_go_to_the_editor_and_the_edition_builds():
    same_time = [
        story(
            "x",
            "LIMA (AP) \u2014 A 6.1-magnitude quake killed 12 people and injured 40 in Peru.",
            "ap",
            0,
            title="Quake kills 12",
        ),
        story(
            "y",
            "Lima (AFP) - A 6.3-magnitude quake killed 15 people and injured 52 in Peru.",
            "afp",
            0,
            title="Quake kills 15",
        ),
    ]
    summary = summarize_cluster(Cluster(same_time))
    conflicts = [n for n in summary.notes if n.startswith("figure conflict")]
    assert len(conflicts) == 3, summary.notes  # deaths, injured, magnitude
    assert summary.text.count(", according to") + summary.text.count(" reported.") >= 1
    edition = plan_edition(DAY, [Cluster(same_time)], NOW, BASE, 5)
    assert edition is not None and edition.lead.notes == summary.notes


def test_a_toll_that_falls_is_flagged():
    lower = [story("x", "LIMA (AP) \u2014 Floods killed 12 people in Peru.", "ap", 0),
             story("y", "Lima (AFP) - Floods killed nine people in Peru, officials said.", "afp", 60)]  # fmt: skip
    summary = summarize_cluster(Cluster(lower), min_words=5)
    assert any(n.startswith("figure lowered: death toll was 12") for n in summary.notes)
    assert "The death toll is down from 12 reported earlier by the Associated Press." in summary.text


# --- coherent sentences -----------------------------------------------------------------------


def test_a_pronoun_led_sentence_only_right_after_its_own_sentence():
    ap = story(
        "ap",
        "LIMA (AP) \u2014 Prime Minister Ana Ruiz resigned on Friday over a contract scandal. "
        "She denied any wrongdoing. Officials said the contract was worth 38 million dollars.",
        "ap",
        0,
    )
    afp = story("afp", "Lima (AFP) - Peru's prime minister Ana Ruiz stepped down on Friday. "
                "She said the ministry must work in peace.", "afp", 60)  # fmt: skip
    summary = summarize_cluster(Cluster([ap, afp]), min_words=5)
    assert summary.text.startswith("Peru's prime minister Ana Ruiz stepped down on Friday, Agence France-Presse reported. "
                                   "She said the ministry must work in peace.")  # fmt: skip
    assert "She denied" not in summary.text  # it leans on the AP lead, which the summary does not print
    assert ("Officials said the contract was worth 38 million dollars.", "ap") in summary.sentences


def test_a_quote_by_a_name_not_yet_given_only_after_its_own_sentence():
    ap = story(
        "ap",
        "LIMA (AP) \u2014 Floods hit southern Peru on Friday, and teacher Rosa Quispe fled her home. "
        '"We ran outside," said Quispe. Engineers inspected bridges across the Arequipa region.',
        "ap",
        0,
    )
    afp = story("afp", "Lima (AFP) - Floods swept through villages in southern Peru on Friday, killing two people and cutting roads. "
                '"The water came so fast," said Mamani. Schools were closed across the region.', "afp", 60)  # fmt: skip
    summary = summarize_cluster(Cluster([ap, afp]), min_words=5)
    assert summary.sentences[0][1] == "afp"
    assert "said Mamani" in summary.text  # right after its own sentence, the lead
    assert "said Quispe" not in summary.text  # her sentence is not in the summary
    assert ("Engineers inspected bridges across the Arequipa region.", "ap") in summary.sentences


def test_bare_and_cut_quotes_stay_with_their_speaker():
    body = ("LIMA (AP) \u2014 A strong earthquake struck southern Peru on Friday. "
            '"The whole house was dancing. We ran outside," said Rosa Quispe. "Nobody slept." '
            "Engineers inspected bridges across the Arequipa region.")  # fmt: skip
    texts = [s for s, _ in summarize_cluster(Cluster([story("ap-1", body)]), min_words=5).sentences]
    assert '"The whole house was dancing. We ran outside," said Rosa Quispe.' in texts
    assert (
        texts.index('"Nobody slept."')
        == texts.index('"The whole house was dancing. We ran outside," said Rosa Quispe.') + 1
    )


def test_bylines_links_captions_and_boilerplate_never_reach_a_summary():
    body = (
        "By ANA RUIZ Associated Press\nLIMA, Peru (AP) \u2014 A strong earthquake struck southern Peru on Friday.\n"
        "Rescuers search rubble in Camana on Friday. (AP Photo/Martin Mejia)\nREAD MORE: Peru quake explainer\n"
        "Schools were closed across the Arequipa region.\n___\nFollow AP's coverage at https://apnews.example/hub\n"
        "Associated Press writer Jo Lee contributed to this report.\n(Reporting by Ana Ruiz; Editing by Jo Lee)"
    )
    summary = summarize_cluster(Cluster([story("ap-1", body)]), min_words=5)
    assert summary.text == (
        "A strong earthquake struck southern Peru on Friday, the Associated Press reported.\n\n"
        "Schools were closed across the Arequipa region."
    )


# --- bad input ---------------------------------------------------------------------------------


def test_odd_clusters_build_and_say_why():
    assert summarize_cluster(Cluster([])) == Summary("")
    no_body = summarize_cluster(Cluster([story("ap-1", "", title="Quake hits Lima")]))
    assert no_body.text == "Quake hits Lima, the Associated Press reported."
    assert no_body.sentences == [("Quake hits Lima", "ap-1")]
    assert "no report has a usable sentence: the summary is the headline" in no_body.notes
    nothing = summarize_cluster(Cluster([story("ap-1", "", title="")]))
    assert isinstance(nothing.text, str)


def test_a_report_with_no_usable_sentence_is_noted_and_the_others_used():
    junk = story(
        "j", "By ANA RUIZ\n___\nRead more: https://x.example\nCopyright 2026 AP. All rights reserved.", "ap", 10
    )
    good = story("g", "Lima (AFP) - Peru declared an emergency after floods on Friday. Schools were closed.", "afp", 0)
    summary = summarize_cluster(Cluster([good, junk]), min_words=5)
    assert summary.text.startswith("Peru declared an emergency after floods on Friday, Agence France-Presse reported.")
    assert "no usable sentence in j (Associated Press)" in summary.notes


def test_a_feed_of_one_sentence_builds_a_short_summary_with_a_note():
    one = story("one", "Twelve people are now confirmed dead in the floods around Kastro, officials said.")
    summary = summarize_cluster(Cluster([one]))
    assert (
        summary.text
        == "Twelve people are now confirmed dead in the floods around Kastro, officials said, the Associated Press reported."
    )
    assert summary.notes == ["summary is 17 words, under the minimum of 60: the reports add nothing more"]


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
_sentence = st.builds(
    lambda first, rest, number, end, quote: quote + " ".join([first.capitalize(), *rest, number]) + end,
    _word,
    st.lists(_word, min_size=0, max_size=14),
    st.sampled_from(["", "", "killing six", "killing 11", "with 40 injured", "magnitude 6.2", "Ruiz said"]),
    st.sampled_from([".", ".", "!", "?"]),
    st.sampled_from(["", "", "", '"', "he ", "They "]),
)
_dateline = st.sampled_from(
    ["", "GENEVA (AP) \u2014 ", "Geneva (AFP) - ", "LONDON, Nov 27 (Reuters) - ", "By JO LEE\n"]
)
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
    st.integers(min_value=1, max_value=3),
)
def test_summary_invariants_hold_for_any_cluster(specs, max_words, min_words, max_paragraphs):
    stories = [
        story(f"s{i}", dateline + ("\n" if paragraphs else " ").join(body), source, minutes, title=f"Title {i}")
        for i, (source, dateline, body, minutes, paragraphs) in enumerate(specs)
    ]
    c = Cluster(sorted(stories, key=lambda s: (s.published, s.story_id)))
    summary = summarize_cluster(c, max_words=max_words, min_words=min_words, max_paragraphs=max_paragraphs)
    if summary.text:
        check_summary(summary, c, max_words + 40, max_paragraphs)  # + the earlier figures' sentences


# --- reading only what a summary needs -----------------------------------------------------------


def _counting(monkeypatch, owner, name):
    """Count the calls of ``owner.name`` (still calling it)."""
    calls = []
    original = getattr(owner, name)

    def counted(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_a_report_summarized_alone_is_read_only_as_far_as_its_summary_goes(monkeypatch):
    line = (
        "Rescuers in district {} reached {} villages cut off by the floods on Monday after the river "
        "broke its banks overnight and swept away two bridges near the old market."
    )
    body = "\n".join(line.format(i, i + 3) for i in range(40))  # 30 words a sentence: a few fill a summary
    read = _counting(monkeypatch, sentences_module, "_leaning")
    summary = summarize_cluster(Cluster([story("a", body)]))
    assert 2 <= len(summary.sentences) < 8
    assert len(read) == len(summary.sentences) + 1  # the sentences printed and the one that did not fit


def test_word_sets_are_worked_out_only_for_sentences_compared(monkeypatch):
    found = _counting(monkeypatch, sentences_module.Sentence, "_vocabulary_now")
    alone = story("a", "A storm hit Lima. Schools closed in the city. Rescuers saved 40 people on Monday.")
    summarize_cluster(Cluster([alone]))
    assert found == []  # a report alone is compared with nothing
    other = story("b", "Floods hit Lima. Schools shut across Lima. Police said 3 bridges fell.", "reuters", 30)
    summary = summarize_cluster(Cluster([alone, other]), min_words=5)
    sentences = [s for r in (report_sentences(alone), report_sentences(other)) for s in r]
    assert summary.text and 0 < len(found) <= len(sentences)
    assert len({id(args[0]) for args in found}) == len(found)  # each sentence's words read once


def test_a_report_read_a_line_at_a_time_gives_the_same_sentences(sample_clusters):
    def features(found):
        return [(s.index, s.text, s.figures, s.leans, s.speaker, s.words) for s in found]

    for c in sample_clusters:
        for s in c.stories:
            for limit in (1, 3, 8):
                assert features(iter_sentences(s, limit)) == features(
                    report_sentences(s, read_figures=False, limit=limit)
                )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Peru", "'s", " ", "7", ".1", ",400", "-", "covid", "U.S.", "\u00c9", "a", ":", "(", "_"])
    )
)
def test_names_and_numbers_are_found_as_at_a_word_boundary(parts):
    text = "".join(parts)
    assert sentences_module._NAME_OR_NUMBER.findall(text) == re.findall(r"\b[A-Z0-9][\w'\u2019-]*(?:[.,:]\d+)*", text)


# --- the Summarizer port and the edition ---------------------------------------------------------


class FixedSummarizer:
    def summarize(self, cluster: Cluster) -> Summary:
        return Summary(f"Fixed summary of {cluster.cluster_id}.", [], [])


def test_extractive_summarizer_satisfies_the_protocol(sample_clusters):
    summarizer: Summarizer = ExtractiveSummarizer()
    assert isinstance(summarizer, Summarizer)
    assert isinstance(FixedSummarizer(), Summarizer)
    c = sample_clusters[0]
    assert summarizer.summarize(c) == summarize_cluster(c, 150, 60, 3)
    short = ExtractiveSummarizer(max_words=40, min_words=20, max_paragraphs=2).summarize(c)
    check_summary(short, c, 40, 2)


def test_plan_edition_uses_the_default_and_a_given_summarizer(sample_clusters):
    edition = plan_edition(DAY, sample_clusters, NOW, BASE, 5)
    assert edition is not None
    by_id = {c.cluster_id: c for c in sample_clusters}
    for s in edition.all_stories:
        summary = summarize_cluster(by_id[s.cluster_id])
        assert (s.summary, s.headline, s.sources, s.notes) == (
            summary.text,
            summary.headline,
            summary.trace,
            summary.notes,
        )
    fixed = plan_edition(DAY, sample_clusters, NOW, BASE, 5, summarizer=FixedSummarizer())
    assert fixed is not None
    assert all(s.summary == f"Fixed summary of {s.cluster_id}." for s in fixed.all_stories)
    assert all(s.headline == by_id[s.cluster_id].lead.title and s.sources == [] for s in fixed.all_stories)


def test_plan_edition_passes_the_configured_limits(sample_clusters):
    edition = plan_edition(DAY, sample_clusters, NOW, BASE, 8, min_words=30, max_words=70, max_paragraphs=1)
    assert edition is not None
    for s in edition.all_stories:
        assert "\n" not in s.summary and (word_count(s.summary) <= 70 or len(s.sources) == 1)


def test_sentence_sources_and_notes_round_trip_through_edition_json(sample_clusters):
    edition = plan_edition(DAY, sample_clusters, NOW, BASE, 8)
    assert edition is not None and edition.all_stories[1].sources
    edition = replace(edition, lead=replace(edition.lead, notes=["figure conflict: check"]))
    back = edition_from_json(edition_to_json(edition))
    assert back == edition
    assert isinstance(back.lead.sources[0], SentenceSource)
    assert back.content_hash() == replace(edition, lead=replace(edition.lead, notes=[])).content_hash()


def test_summary_limits_come_from_the_environment():
    from digest.config import Settings

    env = {
        "STORIES_TABLE": "s", "EDITIONS_TABLE": "e", "SUBSCRIBERS_TABLE": "u", "LEDGER_TABLE": "l",
        "FEED_STATE_TABLE": "f", "AUDIT_TABLE": "a", "ARCHIVE_BUCKET": "b", "SEND_QUEUE_URL": "q",
        "SENDER": "a@b.c", "PUBLIC_BASE_URL": "https://x", "API_BASE_URL": "https://api",
        "SUMMARY_MIN_WORDS": "40", "SUMMARY_MAX_WORDS": "120", "SUMMARY_MAX_PARAGRAPHS": "2",
    }  # fmt: skip
    s = Settings.from_env(env)
    assert (s.summary_min_words, s.summary_max_words, s.summary_max_paragraphs) == (40, 120, 2)
    assert Settings.from_env({k: v for k, v in env.items() if not k.startswith("SUMMARY")}).summary_max_words == 150


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


def test_a_report_summarized_alone_stops_once_the_minimum_is_reached_and_its_paragraph_is_full():
    """Room counts down past zero while a summary is still short; a negative room is no room."""
    towns = ["Arequipa", "Camana", "Caraveli", "Chala", "Ocona", "Atico", "Yauca", "Lomas", "Acari", "Nazca"]
    body = " ".join(
        f"Rescue crews in {town} cleared {n + 2} roads and reopened {n + 3} clinics for residents on Saturday morning."
        for n, town in enumerate(towns)
    )
    summary = summarize_cluster(Cluster([story("solo-1", body)]), max_words=150, min_words=60)
    words = word_count(summary.text)
    assert 60 <= words <= 100, summary.text  # five or six sentences, not eight running to the maximum


def test_the_content_hash_reads_every_field_a_reader_sees(sample_clusters):
    shown = {f.name for f in fields(EditionStory)} - {"sources", "notes"}
    assert set(SHOWN_FIELDS) == shown  # a new field must be hashed (or said to be unseen)
    edition = plan_edition(DAY, sample_clusters, NOW, BASE, 8)
    story = edition.stories[2]
    changed = {
        "anchor": "x", "cluster_id": "x", "headline": "x", "summary": "x", "agencies": ["x"],
        "links": [Link("x", "https://x")], "corrected": not story.corrected, "story_ids": ["x"],
    }  # fmt: skip
    for name, value in changed.items():
        other = replace(edition, stories=[*edition.stories[:2], replace(story, **{name: value}), *edition.stories[3:]])
        assert other.content_hash() != edition.content_hash(), name
    for name in ("title", "preheader", "audio_url", "correction_note"):
        assert replace(edition, **{name: "x"}).content_hash() != edition.content_hash(), name
