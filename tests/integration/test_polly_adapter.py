"""The Polly narrator checks the request, then starts the audio task and the speech-marks task.

moto does not implement ``StartSpeechSynthesisTask``, so ``botocore.stub.Stubber`` stands in on a
real ``boto3`` Polly client: it checks each request against the expected parameters (and the
service model) and answers with a canned task. A request that does not match surfaces as a
``NarrationError`` (the Stubber's assertion error is a ``BotoCoreError``), so the tests fail.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from digest.adapters.polly import PollyNarrator
from digest.core.speech import POLLY_ASYNC_LIMIT
from digest.errors import NarrationError, NarrationRefused, NarrationUnknown

BUCKET = "digest-archive"
TOPIC = "arn:aws:sns:us-east-1:123456789012:digest-audio"
KEY = "site/2026-11-28/edition.mp3"
SSML = '<speak><p>Hello.</p><mark name="story-1"/><p><s>AT&amp;T buys a shop</s></p></speak>'


def task(task_id: str, output_format: str) -> dict:
    return {
        "SynthesisTask": {
            "TaskId": task_id,
            "TaskStatus": "scheduled",
            "OutputFormat": output_format,
            "OutputUri": f"https://s3.us-east-1.amazonaws.com/{BUCKET}/x/{task_id}",
        }
    }


def voices(*ids: str, token: str | None = None) -> dict:
    page = {
        "Voices": [
            {
                "Id": i,
                "Name": i,
                "Gender": "Female",
                "LanguageCode": "en-US",
                "LanguageName": "US English",
                "SupportedEngines": ["neural"],
            }
            for i in ids
        ]
    }
    return {**page, "NextToken": token} if token else page


def expected(output_format: str, prefix: str, topic: str | None, **extra) -> dict:
    params = {
        "Engine": "neural",
        "OutputFormat": output_format,
        "OutputS3BucketName": BUCKET,
        "OutputS3KeyPrefix": prefix,
        "Text": SSML,
        "TextType": "ssml",
        "VoiceId": "Joanna",
        **extra,
    }
    if topic:
        params["SnsTopicArn"] = topic
    return params


@pytest.fixture
def polly():
    client = boto3.client("polly", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize("topic", [TOPIC, ""])
def test_narrate_starts_the_audio_and_the_speech_marks_tasks(polly, topic):
    client, stubber = polly
    stubber.add_response("describe_voices", voices("Ivy", token="page-2"), {"Engine": "neural"})
    stubber.add_response("describe_voices", voices("Joanna", "Matthew"), {"Engine": "neural", "NextToken": "page-2"})
    stubber.add_response(
        "start_speech_synthesis_task", task("audio-1", "mp3"), expected("mp3", "polly/2026-11-28/audio", topic)
    )
    stubber.add_response(
        "start_speech_synthesis_task",
        task("marks-1", "json"),
        expected("json", "polly/2026-11-28/marks", topic, SpeechMarkTypes=["ssml"]),
    )
    narration = PollyNarrator(client, BUCKET, "Joanna", "neural", topic).narrate(SSML, KEY)
    assert narration.status == "pending"
    assert narration.task_id == "audio-1"
    assert narration.chapters == () and narration.size_bytes == 0


def test_start_speech_marks_returns_its_task_id(polly):
    client, stubber = polly
    stubber.add_response(
        "start_speech_synthesis_task",
        task("marks-7", "json"),
        expected("json", "editions/x/marks", TOPIC, SpeechMarkTypes=["ssml"]),
    )
    assert PollyNarrator(client, BUCKET, "Joanna", "neural", TOPIC).start_speech_marks(SSML, "editions/x") == "marks-7"


def test_a_refused_audio_task_raises_and_an_unknown_outcome_says_so(polly):
    client, stubber = polly
    stubber.add_response("describe_voices", voices("Joanna"))
    stubber.add_client_error(
        "start_speech_synthesis_task", "ServiceFailureException", "try later", http_status_code=500
    )
    narrator = PollyNarrator(client, BUCKET, "Joanna", "neural", TOPIC)
    with pytest.raises(NarrationError, match="synthesis") as caught:
        narrator.narrate(SSML, KEY)
    assert type(caught.value) is NarrationError and isinstance(caught.value.__cause__, ClientError)
    stubber.add_client_error(
        "start_speech_synthesis_task",
        "TextLengthExceededException",
        "Maximum text length has been exceeded",
        http_status_code=400,
    )
    with pytest.raises(NarrationRefused):
        narrator.narrate(SSML, KEY)


def test_a_timeout_is_an_unknown_outcome():
    class TimingOut:
        def describe_voices(self, **_):
            return voices("Joanna")

        def start_speech_synthesis_task(self, **_):
            from botocore.exceptions import ReadTimeoutError

            raise ReadTimeoutError(endpoint_url="https://polly.us-east-1.amazonaws.com")

    with pytest.raises(NarrationUnknown):
        PollyNarrator(TimingOut(), BUCKET, "Joanna", "neural", TOPIC).narrate(SSML, KEY)


def test_when_the_marks_task_does_not_start_the_audio_task_still_counts(polly):
    client, stubber = polly
    stubber.add_response("describe_voices", voices("Joanna"))
    stubber.add_response("start_speech_synthesis_task", task("audio-1", "mp3"))
    stubber.add_client_error(
        "start_speech_synthesis_task", "ServiceFailureException", "try later", http_status_code=500
    )
    narration = PollyNarrator(client, BUCKET, "Joanna", "neural", TOPIC).narrate(SSML, KEY)
    assert (narration.status, narration.task_id) == ("pending", "audio-1")  # not raised: a retry would bill twice


@pytest.mark.parametrize("voice, engine", [("Joanna", "generative-ish"), ("Joanna", "long-form")])
def test_a_voice_the_engine_lacks_is_refused_before_any_task(polly, voice, engine):
    client, stubber = polly
    if engine == "long-form":
        stubber.add_response("describe_voices", voices("Danielle", "Gregory", "Ruth"), {"Engine": "long-form"})
    with pytest.raises(NarrationRefused, match="Danielle, Gregory, Ruth" if engine == "long-form" else "engine"):
        PollyNarrator(client, BUCKET, voice, engine, TOPIC).narrate(SSML, KEY)


def test_a_script_over_polly_s_task_limits_is_refused_before_any_task(polly):
    client, _ = polly  # no call may reach Polly at all
    too_long = "<speak><p>" + "a" * (POLLY_ASYNC_LIMIT + 1) + "</p></speak>"
    with pytest.raises(NarrationRefused, match="100,001 billed"):
        PollyNarrator(client, BUCKET, "Joanna", "neural", TOPIC).narrate(too_long, KEY)
    too_much_markup = "<speak>" + '<break time="1ms"/>' * 11_000 + "</speak>"  # few billed, > 200,000 in all
    with pytest.raises(NarrationRefused, match="200,000"):
        PollyNarrator(client, BUCKET, "Joanna", "neural", TOPIC).narrate(too_much_markup, KEY)


def test_voices_are_listed_once_and_a_listing_failure_does_not_block_narration(polly):
    client, stubber = polly
    stubber.add_client_error("describe_voices", "AccessDeniedException", "not allowed", http_status_code=403)
    stubber.add_response("start_speech_synthesis_task", task("audio-1", "mp3"))
    stubber.add_response("start_speech_synthesis_task", task("marks-1", "json"))
    narrator = PollyNarrator(client, BUCKET, "Joanna", "neural", TOPIC)
    assert narrator.narrate(SSML, KEY).task_id == "audio-1"
    stubber.add_response("describe_voices", voices("Joanna"))
    stubber.add_response("start_speech_synthesis_task", task("audio-2", "mp3"))
    stubber.add_response("start_speech_synthesis_task", task("marks-2", "json"))
    stubber.add_response("start_speech_synthesis_task", task("audio-3", "mp3"))  # no listing the third time
    stubber.add_response("start_speech_synthesis_task", task("marks-3", "json"))
    assert narrator.narrate(SSML, KEY).task_id == "audio-2"
    assert narrator.narrate(SSML, KEY).task_id == "audio-3"
