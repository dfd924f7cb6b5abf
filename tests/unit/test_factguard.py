"""The fact guard on a developing story told by three agencies, and the guarded summarizer that uses it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.core.cluster import Cluster
from digest.core.factguard import GuardLimits, check
from digest.core.guarded import NOTE_PREFIX, GuardedSummarizer, ModelReply, instructions, prompt_for
from digest.core.story import Story
from digest.core.summarizer import ExtractiveSummarizer

T = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
AP = Story(
    "ap-1",
    "ap",
    "Associated Press",
    "the Associated Press",
    "g-ap",
    "Strong earthquake shakes southern Peru, killing at least 6",
    "LIMA, Peru (AP) \u2014 A magnitude 6.8 earthquake shook southern Peru on Saturday, killing at least six "
    "people and injuring 40, officials said. The quake struck near Arequipa at a depth of 30 kilometers. "
    "President Ana Torres declared a state of emergency in three provinces.",
    "https://wire.example/ap-1",
    T,
    "h-ap",
)
REUTERS = Story(
    "rt-1",
    "reuters",
    "Reuters",
    "Reuters",
    "g-rt",
    "Peru quake death toll rises to 11",
    "LIMA, Nov 28 (Reuters) - The death toll from a strong earthquake in southern Peru rose to 11 on "
    "Saturday, the civil defense institute said. Rescuers searched collapsed homes in Camana, in the Arequipa "
    "region, where President Ana Torres declared a state of emergency. "
    '"We are working day and night," Interior Minister Luis Quispe told reporters.',
    "https://wire.example/rt-1",
    T.replace(hour=5),
    "h-rt",
)
AFP = Story(
    "afp-1",
    "afp",
    "Agence France-Presse",
    "Agence France-Presse",
    "g-afp",
    "Peru sends troops to quake zone",
    "Lima (AFP) - Peru's government sent troops and aid to the Arequipa region after the earthquake, "
    "which damaged 1,200 homes.",
    "https://wire.example/afp-1",
    T.replace(hour=4),
    "h-afp",
)
STORIES = [AP, AFP, REUTERS]

LEAD = "The death toll from a strong earthquake in southern Peru rose to 11 on Saturday, Reuters reported."
SECOND = (
    "The magnitude 6.8 quake struck near Arequipa, and President Ana Torres declared a state of emergency "
    "in three provinces, the Associated Press reported."
)
THIRD = (
    "The government sent troops and aid to the Arequipa region after the quake damaged 1,200 homes, "
    "according to Agence France-Presse."
)
FAITHFUL = f"{LEAD} {SECOND} {THIRD}"


def test_a_faithful_summary_passes_and_each_sentence_is_traced_to_its_report():
    verdict = check(FAITHFUL, STORIES)
    assert verdict.passed, verdict.problems
    assert [(t.story_id, t.index, t.agency) for t in verdict.traced] == [
        ("rt-1", 0, "Reuters"),
        ("ap-1", 2, "Associated Press"),
        ("afp-1", 0, "Agence France-Presse"),
    ]


def test_numbers_written_as_words_or_digits_are_the_same_figure():
    text = "A magnitude 6.8 earthquake killed at least 6 people and injured forty, the Associated Press reported."
    assert check(text, STORIES).passed


def test_a_hallucinated_number_is_refused():
    verdict = check(FAITHFUL.replace("rose to 11", "rose to 14"), STORIES)
    assert not verdict.passed
    assert verdict.problems == ("sentence 1: the number 14 is in no report",)


def test_a_scaled_figure_must_match_too():
    text = "The quake damaged 1.2 million homes, according to Agence France-Presse."
    assert "the number 1,200,000 is in no report" in check(text, STORIES).reason


def test_an_invented_person_is_refused():
    text = LEAD + " Interior Minister Jorge Almeida said rescuers searched collapsed homes, Reuters reported."
    verdict = check(text, STORIES)
    assert verdict.problems == ("sentence 2: the name Jorge Almeida is in no report",)


def test_two_real_names_joined_into_a_person_nobody_reported_are_refused():
    text = LEAD + " President Ana Quispe declared a state of emergency, the Associated Press reported."
    assert "the name Ana Quispe is in no report" in check(text, STORIES).reason


def test_an_invented_place_at_the_start_of_a_sentence_is_refused():
    text = "Cusco was also shaken by the earthquake, Reuters reported."
    assert "the name Cusco is in no report" in check(text, STORIES).reason


def test_an_invented_organization_is_refused():
    text = "The Red Cross sent aid to the Arequipa region, according to Agence France-Presse."
    assert check(text, STORIES).problems == ("sentence 1: the name Red Cross is in no report",)


def test_a_dozen_is_twelve():
    assert "the number 12 is in no report" in check("A dozen people died, Reuters reported.", STORIES).reason


def test_a_sentence_without_attribution_is_refused():
    text = f"{LEAD} The magnitude 6.8 quake struck near Arequipa. {THIRD}"
    assert check(text, STORIES).problems == ("sentence 2: credits no agency of this story",)


def test_an_agency_with_no_report_in_the_story_is_refused():
    text = LEAD.replace("Reuters reported", "Bloomberg reported")
    problems = check(text, STORIES).problems
    assert "sentence 1: credits Bloomberg, which has no report in this story" in problems


def test_crediting_an_agency_whose_report_does_not_say_it_is_refused():
    text = LEAD.replace("Reuters reported", "according to Agence France-Presse")
    assert check(text, STORIES).problems == ("sentence 1: credits Agence France-Presse, whose reports do not say this",)


def test_too_long_and_too_short():
    assert (
        check(FAITHFUL, STORIES, GuardLimits(max_words=30)).problems[0].startswith("60 words, more than the 30 allowed")
    )
    assert "fewer than the 60 required" in check(LEAD, STORIES, GuardLimits(min_words=60)).reason


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (LEAD.replace("rose to 11", "rose to a tragic 11"), "gives an opinion (tragic)"),
        (LEAD.replace("reported.", "reported!"), "exclaims"),
        ("We learned the death toll rose to 11, Reuters reported.", "speaks in the first person (We)"),
        ("- " + LEAD, "not written as prose"),
    ],
)
def test_tone_limits(text, problem):
    assert problem in check(text, STORIES).reason


def test_quotes_must_be_verbatim():
    good = '"We are working day and night," Interior Minister Luis Quispe told reporters, Reuters reported.'
    bad = good.replace("day and night", "around the clock")
    assert check(good, STORIES).passed
    assert 'quotes words no report has: "We are working around the clock,"' in check(bad, STORIES).reason


def test_an_empty_answer_is_refused():
    assert check("  ", STORIES).reason == "the model wrote nothing"


def test_the_prompt_gives_each_report_with_its_credit_newest_first():
    prompt = prompt_for(Cluster(STORIES))
    assert prompt.index('credit: "Reuters"') < prompt.index('credit: "Agence France-Presse"')
    assert prompt.index('credit: "Agence France-Presse"') < prompt.index('credit: "the Associated Press"')
    assert "(AP)" not in prompt  # datelines are gone
    assert "at most 150 words" in instructions(GuardLimits())


class Scripted:
    """A model that answers from a script and remembers what it was asked."""

    def __init__(self, reply: ModelReply) -> None:
        self.reply, self.asked = reply, []

    def write(self, system: str, prompt: str) -> ModelReply:
        self.asked.append((system, prompt))
        return self.reply


def test_the_guarded_summarizer_uses_a_faithful_answer():
    model = Scripted(ModelReply(FAITHFUL, 900, 80))
    guarded = GuardedSummarizer(model, ExtractiveSummarizer())
    summary = guarded.summarize(Cluster(STORIES))
    assert summary.text == FAITHFUL
    assert summary.sources == ["rt-1", "ap-1", "afp-1"]
    assert [t.sentence for t in summary.trace] == [LEAD, SECOND, THIRD]
    assert summary.notes == []
    assert (guarded.usage.calls, guarded.usage.input_tokens, guarded.usage.output_tokens) == (1, 900, 80)
    assert guarded.decisions == [("afp-1", "")]


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (ModelReply(FAITHFUL.replace("rose to 11", "rose to 14")), "the number 14 is in no report"),
        (ModelReply(FAITHFUL, stop="max_tokens"), "the model stopped early (max_tokens)"),
        (ModelReply("Sorry.", stop="guardrail_intervened"), "the model stopped early (guardrail_intervened)"),
        (ModelReply(error="Bedrock refused the request (AccessDeniedException)"), "AccessDeniedException"),
    ],
)
def test_anything_else_falls_back_to_the_extractive_summary_with_the_reason(reply, why):
    guarded = GuardedSummarizer(Scripted(reply), ExtractiveSummarizer())
    summary = guarded.summarize(Cluster(STORIES))
    assert summary.text == ExtractiveSummarizer().summarize(Cluster(STORIES)).text
    assert "14" not in summary.text
    assert why in guarded.decisions[0][1]
    assert guarded.usage.refused == 1
    assert [n for n in summary.notes if n.startswith(NOTE_PREFIX)] == [f"{NOTE_PREFIX}: {guarded.decisions[0][1]}"]


def test_the_models_paragraphs_are_kept():
    two = f"{LEAD}\n\n{SECOND}  {THIRD}\n"
    summary = GuardedSummarizer(Scripted(ModelReply(two)), ExtractiveSummarizer()).summarize(Cluster(STORIES))
    assert summary.text == f"{LEAD}\n\n{SECOND} {THIRD}"
    assert len(summary.trace) == 3
