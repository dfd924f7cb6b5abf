"""Amazon Polly narrator: asynchronous synthesis tasks that write the MP3 and its speech marks to S3."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from digest.errors import NarrationError
from digest.ports import Narration


class PollyNarrator:
    """Starts two ``StartSpeechSynthesisTask`` requests: the MP3, and the ``ssml`` speech marks (JSON Lines)
    whose times become the chapters. Polly notifies ``topic_arn`` when each object is written.

    Polly names the objects ``polly/<day>/polly-<task id>.mp3`` / ``polly-marks-<task id>.marks``
    (a private prefix); the completion handler verifies the MP3, adds the chapters and publishes it
    at ``key``. Both tasks are billed for the same characters.
    """

    def __init__(self, polly: Any, bucket: str, voice: str, engine: str, topic_arn: str = "") -> None:
        self.polly, self.bucket, self.voice, self.engine, self.topic_arn = polly, bucket, voice, engine, topic_arn

    def narrate(self, ssml: str, key: str) -> Narration:
        prefix = "polly/" + key.rsplit("/", 2)[-2]  # site/<day>/edition.mp3 -> polly/<day>
        audio = self._start(ssml, OutputFormat="mp3", OutputS3KeyPrefix=prefix + "/polly-")
        if self.engine != "generative":  # Polly gives no speech marks for the generative engine
            self.start_speech_marks(ssml, prefix)
        return Narration("pending", task_id=audio)

    def start_speech_marks(self, ssml: str, key_prefix: str) -> str:
        """Start the speech-marks task (``ssml`` marks, as JSON Lines) under ``<key_prefix>/polly-marks-``;
        returns its task id."""
        return self._start(ssml, OutputFormat="json", SpeechMarkTypes=["ssml"],
                           OutputS3KeyPrefix=key_prefix.rstrip("/") + "/polly-marks-")

    def _start(self, ssml: str, **output: Any) -> str:
        request = {
            "Engine": self.engine,
            "OutputS3BucketName": self.bucket,
            "Text": ssml,
            "TextType": "ssml",
            "VoiceId": self.voice,
            **output,
        }
        if self.topic_arn:
            request["SnsTopicArn"] = self.topic_arn
        try:
            task = self.polly.start_speech_synthesis_task(**request)["SynthesisTask"]
        except (ClientError, BotoCoreError) as exc:
            kind = "speech marks" if output.get("OutputFormat") == "json" else "synthesis"
            raise NarrationError(f"Polly did not start the {kind} task") from exc
        return task.get("TaskId", "")
