"""The generative summarizer over HTTP, against a local stand-in for Bedrock Runtime's Converse API.

moto has no Bedrock runtime, so ``digest_tools.local.bedrock.LocalBedrock`` stands in behind the
same boto3 client (reached through ``endpoint_url``): it answers ``POST /model/{modelId}/converse``
with JSON shaped like Bedrock's, and errors the way Bedrock sends them. The stores are moto's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from digest.adapters.aws import client
from digest.adapters.bedrock import BedrockModel, generative_summarizer
from digest.core.cluster import Cluster
from digest.core.edition import version_key
from digest.core.factguard import GuardLimits
from digest.core.generation_cost import cost_lines
from digest.core.guarded import NOTE_PREFIX, GuardedSummarizer, instructions, prompt_for
from digest.core.snapshot import edition_from_json
from digest.core.summarizer import ExtractiveSummarizer
from digest.services.assemble import AssembleOptions, assemble
from digest_tools.local.bedrock import Canned, LocalBedrock, faithful, hallucinated
from digest_tools.local.template import load_template
from tests.integration.stories import stories_for
from tests.unit.test_factguard import STORIES

MODEL = "amazon.nova-micro-v1:0"
DAY = date(2026, 11, 28)


def _model(stand_in: LocalBedrock, **kwargs) -> BedrockModel:
    return BedrockModel(client("bedrock-runtime", "us-east-1", stand_in.url, 1), MODEL, **kwargs)


def test_the_adapter_sends_a_converse_request_and_reads_the_answer():
    with LocalBedrock(faithful) as bedrock:
        reply = _model(bedrock).write(instructions(GuardLimits()), prompt_for(Cluster(STORIES)))
    assert reply.error == "" and reply.stop == "end_turn"
    assert reply.text.startswith("The death toll from a strong earthquake in southern Peru rose to 11")
    assert reply.input_tokens > 100 and reply.output_tokens > 10
    model_id, request = bedrock.requests[0]
    assert model_id == MODEL  # the colon travelled URL-encoded in the path
    assert request["inferenceConfig"] == {"maxTokens": 400, "temperature": 0.0}
    assert request["system"][0]["text"].startswith("You write one summary")
    assert "guardrailConfig" not in request


def test_the_guardrail_goes_with_every_request_and_its_intervention_is_a_refusal():
    with LocalBedrock(lambda m, r: Canned("Sorry, the model cannot answer.", stop="guardrail_intervened")) as bedrock:
        guarded = GuardedSummarizer(
            _model(bedrock, guardrail_id="gr1abc", guardrail_version="3"), ExtractiveSummarizer()
        )
        summary = guarded.summarize(Cluster(STORIES))
    assert bedrock.requests[0][1]["guardrailConfig"] == {
        "guardrailIdentifier": "gr1abc",
        "guardrailVersion": "3",
        "trace": "disabled",
    }
    assert "Sorry" not in summary.text
    assert summary.notes[-1] == f"{NOTE_PREFIX}: the model stopped early (guardrail_intervened)"


def test_a_refused_call_falls_back_with_bedrocks_reason():
    denied = Canned(status=403, error="AccessDeniedException")
    with LocalBedrock(lambda m, r: denied) as bedrock:
        summary = GuardedSummarizer(_model(bedrock), ExtractiveSummarizer()).summarize(Cluster(STORIES))
    assert summary.text == ExtractiveSummarizer().summarize(Cluster(STORIES)).text
    assert "Bedrock refused the request (AccessDeniedException: stand-in error)" in summary.notes[-1]


def test_no_model_id_means_the_extractive_summarizer_alone(app):
    extractive = ExtractiveSummarizer()
    assert generative_summarizer(app.settings, extractive) is extractive
    with LocalBedrock() as bedrock:
        settings = replace(app.settings, bedrock_model_id=MODEL, bedrock_endpoint_url=bedrock.url)
        assert isinstance(generative_summarizer(settings, extractive), GuardedSummarizer)


def _build(app, answer):
    """Today's edition from the Peru cluster and three other stories, summaries by the stand-in."""
    for story in STORIES:
        app.stories.save(story)
    stories_for(app, DAY, "America/New_York")
    s = app.settings
    options = AssembleOptions(s.public_base_url, s.max_stories, s.min_stories, s.window_hours, s.edition_timezone)
    with LocalBedrock(answer) as bedrock:
        settings = replace(s, bedrock_model_id=MODEL, bedrock_endpoint_url=bedrock.url)
        summarizer = generative_summarizer(settings, ExtractiveSummarizer())
        built = assemble(
            DAY,
            stories=app.stories,
            editions=app.editions,
            blobs=app.blobs,
            env=app.env,
            brand=app.brand,
            options=options,
            clock=app.clock,
            summarizer=summarizer,
        )
    assert built.created and len(bedrock.requests) == 4
    read = {name: app.blobs.get(version_key(DAY.isoformat(), built.record.version, name)).decode() for name in FILES}
    return edition_from_json(read["edition.json"]), read


FILES = ("edition.json", "email.txt", "email.html", "edition.ssml")


def _peru(edition):
    return next(s for s in edition.all_stories if "rt-1" in s.story_ids)


def test_a_hallucinated_figure_never_reaches_the_edition(app):
    edition, files = _build(app, hallucinated)
    for name, body in files.items():
        assert "rose to 14" not in body, name
    peru = _peru(edition)
    assert "rose to 11" in peru.summary  # the extractive summary, with the current figure
    assert any(n == f"{NOTE_PREFIX}: sentence 1: the number 14 is in no report" for n in peru.notes)
    invented = [s for s in edition.all_stories if "rt-1" not in s.story_ids]
    assert all("Jorge Almeida" not in s.summary for s in invented)
    assert all(any("the name Jorge Almeida is in no report" in n for n in s.notes) for s in invented)


def test_a_faithful_summary_is_used_and_traced(app):
    edition, files = _build(app, faithful)
    peru = _peru(edition)
    assert peru.summary.startswith(
        "The death toll from a strong earthquake in southern Peru rose to 11 on Saturday, the civil defense "
        "institute said, Reuters reported."
    )
    assert not [n for n in peru.notes if n.startswith(NOTE_PREFIX)]
    assert [(t.story_id, t.index, t.agency) for t in peru.sources] == [
        ("rt-1", 0, "Reuters"),
        ("rt-1", 1, "Reuters"),
        ("rt-1", 2, "Reuters"),
    ]
    assert "rose to 11" in files["email.txt"]


def test_digest_cost_counts_the_model_for_the_stored_edition(app):
    edition, _ = _build(app, faithful)
    lines = cost_lines(edition, app.stories.get, MODEL, guardrail=True)
    (model_line, usd), (guard_line, guard_usd) = lines.items()
    assert model_line.startswith(f"Bedrock {MODEL} (4 summaries, about ")
    assert 0 < usd < 0.01 and 0 < guard_usd < 0.01
    assert "text units" in guard_line
    unknown = cost_lines(edition, app.stories.get, "example.unlisted-v1")
    assert list(unknown.values()) == [0.0] and "no listed price" in next(iter(unknown))


T = load_template()
ASSEMBLING = ("AssembleFunction", "EditorFunction", "IngestFunction")


@pytest.mark.parametrize("name", ASSEMBLING)
def test_the_functions_that_assemble_get_the_model_and_only_its_permissions(name):
    props = T["Resources"][name]["Properties"]
    assert props["Environment"]["Variables"] == {
        "BEDROCK_MODEL_ID": {"Ref": "BedrockModelId"},
        "BEDROCK_GUARDRAIL_ID": {"Ref": "BedrockGuardrailId"},
        "BEDROCK_GUARDRAIL_VERSION": {"Ref": "BedrockGuardrailVersion"},
    }
    [bedrock] = [p for p in props["Policies"] if isinstance(p, dict) and "Fn::If" in p]
    condition, policy, otherwise = bedrock["Fn::If"]
    assert condition == "UsesBedrock" and otherwise == {"Ref": "AWS::NoValue"}
    invoke, guardrail = policy["Statement"]
    assert invoke["Action"] == "bedrock:InvokeModel"
    assert invoke["Resource"]["Fn::Sub"].endswith(":foundation-model/${BedrockModelId}")
    assert guardrail["Fn::If"][0] == "UsesGuardrail"
    assert guardrail["Fn::If"][1]["Action"] == "bedrock:ApplyGuardrail"
    assert guardrail["Fn::If"][1]["Resource"]["Fn::Sub"].endswith(":guardrail/${BedrockGuardrailId}")


def test_the_model_is_off_by_default():
    params = T["Parameters"]
    assert params["BedrockModelId"]["Default"] == "" and params["BedrockGuardrailId"]["Default"] == ""
    others = [n for n, r in T["Resources"].items() if r["Type"] == "AWS::Serverless::Function" and n not in ASSEMBLING]
    assert all("bedrock" not in str(T["Resources"][n]["Properties"].get("Policies")) for n in others)


REQUIRED = dict.fromkeys(
    "STORIES_TABLE EDITIONS_TABLE SUBSCRIBERS_TABLE LEDGER_TABLE FEED_STATE_TABLE AUDIT_TABLE ARCHIVE_BUCKET "
    "SEND_QUEUE_URL SENDER PUBLIC_BASE_URL API_BASE_URL".split(),
    "x",
)


def test_a_guardrail_without_its_version_is_a_configuration_error():
    from digest.config import Settings
    from digest.errors import ConfigError

    env = {**REQUIRED, "BEDROCK_MODEL_ID": MODEL, "BEDROCK_GUARDRAIL_ID": "gr1abc"}
    with pytest.raises(ConfigError, match="BEDROCK_GUARDRAIL_VERSION"):
        Settings.from_env(env)
    settings = Settings.from_env({**env, "BEDROCK_GUARDRAIL_VERSION": "DRAFT"})
    assert (settings.bedrock_model_id, settings.bedrock_guardrail_version) == (MODEL, "DRAFT")
    assert Settings.from_env(REQUIRED).bedrock_model_id == ""  # off by default
