"""Amazon Polly narrator: an asynchronous synthesis task that writes the MP3 to S3."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from digest.errors import NarrationError
from digest.ports import Narration


class PollyNarrator:
    """Starts ``StartSpeechSynthesisTask``; Polly notifies ``topic_arn`` when the MP3 is written.

    Polly names the object ``<prefix><task id>.mp3``; the completion handler moves it to ``key``.
    """

    def __init__(self, polly: Any, bucket: str, voice: str, engine: str, topic_arn: str = "") -> None:
        self.polly, self.bucket, self.voice, self.engine, self.topic_arn = polly, bucket, voice, engine, topic_arn

    def narrate(self, ssml: str, key: str) -> Narration:
        request = {
            "Engine": self.engine,
            "OutputFormat": "mp3",
            "OutputS3BucketName": self.bucket,
            "OutputS3KeyPrefix": key.rsplit("/", 1)[0] + "/polly-",
            "Text": ssml,
            "TextType": "ssml",
            "VoiceId": self.voice,
        }
        if self.topic_arn:
            request["SnsTopicArn"] = self.topic_arn
        try:
            task = self.polly.start_speech_synthesis_task(**request)["SynthesisTask"]
        except (ClientError, BotoCoreError) as exc:
            raise NarrationError("Polly did not start the synthesis task") from exc
        return Narration("pending", task_id=task.get("TaskId", ""))
