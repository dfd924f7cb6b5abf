"""The Polly narrator starts the audio task and the speech-marks task with the right parameters.

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
from digest.errors import NarrationError

BUCKET = "digest-archive"
TOPIC = "arn:aws:sns:us-east-1:123456789012:digest-audio"
KEY = "site/2026-11-28/edition.mp3"
SSML = '<speak><p>Hello.</p><mark name="story-1"/><p><s>AT&amp;T buys a shop</s></p></speak>'


def task(task_id: str, output_format: str) -> dict:
    return {"SynthesisTask": {"TaskId": task_id, "TaskStatus": "scheduled", "OutputFormat": output_format,
                              "OutputUri": f"https://s3.us-east-1.amazonaws.com/{BUCKET}/x/{task_id}"}}


def expected(output_format: str, prefix: str, topic: str | None, **extra) -> dict:
    params = {"Engine": "neural", "OutputFormat": output_format, "OutputS3BucketName": BUCKET,
              "OutputS3KeyPrefix": prefix, "Text": SSML, "TextType": "ssml", "VoiceId": "Joanna", **extra}
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
    stubber.add_response("start_speech_synthesis_task", task("audio-1", "mp3"),
                         expected("mp3", "polly/2026-11-28/polly-", topic))
    stubber.add_response("start_speech_synthesis_task", task("marks-1", "json"),
                         expected("json", "polly/2026-11-28/polly-marks-", topic, SpeechMarkTypes=["ssml"]))
    narration = PollyNarrator(client, BUCKET, "Joanna", "neural", topic).narrate(SSML, KEY)
    assert narration.status == "pending"
    assert narration.task_id == "audio-1"
    assert narration.chapters == () and narration.size_bytes == 0


def test_start_speech_marks_returns_its_task_id(polly):
    client, stubber = polly
    stubber.add_response("start_speech_synthesis_task", task("marks-7", "json"),
                         expected("json", "editions/x/polly-marks-", TOPIC, SpeechMarkTypes=["ssml"]))
    assert PollyNarrator(client, BUCKET, "Joanna", "neural", TOPIC).start_speech_marks(SSML, "editions/x") == "marks-7"


@pytest.mark.parametrize("failing", ["audio", "marks"])
def test_a_refused_task_raises_narration_error(polly, failing):
    client, stubber = polly
    if failing == "marks":
        stubber.add_response("start_speech_synthesis_task", task("audio-1", "mp3"))
    stubber.add_client_error("start_speech_synthesis_task", "TextLengthExceededException",
                             "Maximum text length has been exceeded", http_status_code=400)
    with pytest.raises(NarrationError, match="speech marks" if failing == "marks" else "synthesis") as caught:
        PollyNarrator(client, BUCKET, "Joanna", "neural", TOPIC).narrate(SSML, KEY)
    assert isinstance(caught.value.__cause__, ClientError)
