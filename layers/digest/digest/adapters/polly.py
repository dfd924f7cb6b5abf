"""Amazon Polly narrator: asynchronous synthesis tasks that write the MP3 and its speech marks to S3."""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from digest.core.narration import Narration
from digest.core.speech import POLLY_ASYNC_LIMIT, POLLY_ASYNC_TOTAL_LIMIT, billed_characters, fits_one_task
from digest.errors import NarrationError, NarrationRefused, NarrationUnknown

logger = logging.getLogger(__name__)

ENGINES = ("standard", "neural", "long-form", "generative")  # botocore's Polly ``Engine`` enum
# Polly's answers that say this request can never succeed as it is: retrying does not help.
_REFUSED = {
    "TextLengthExceededException",
    "InvalidSsmlException",
    "EngineNotSupportedException",
    "LanguageNotSupportedException",
    "MarksNotSupportedForFormatException",
    "SsmlMarksNotSupportedForTextTypeException",
    "ValidationException",
}


class PollyNarrator:
    """Starts two ``StartSpeechSynthesisTask`` requests: the MP3, and the ``ssml`` speech marks (JSON Lines)
    whose times become the chapters. Polly notifies ``topic_arn`` when each object is written.

    Polly names each object ``<OutputS3KeyPrefix>.<TaskId>.<ext>``: here
    ``polly/<day>/audio.<task id>.mp3`` and ``polly/<day>/marks.<task id>.marks`` (a private prefix);
    the completion handler reads the key from the notice's ``outputUri``, verifies the MP3, adds the
    chapters and stores it at ``key``. Both tasks are billed for the same characters.

    Before any task starts, the script must fit one task (100,000 billed / 200,000 total characters)
    and the voice must exist for the engine (``DescribeVoices`` with ``Engine``, asked once per
    narrator); otherwise ``NarrationRefused`` says why and nothing is billed.
    """

    def __init__(self, polly: Any, bucket: str, voice: str, engine: str, topic_arn: str = "") -> None:
        self.polly, self.bucket, self.voice, self.engine, self.topic_arn = polly, bucket, voice, engine, topic_arn
        self._voice_checked = False

    def narrate(self, ssml: str, key: str) -> Narration:
        self.check(ssml)
        prefix = "polly/" + key.rsplit("/", 2)[-2]  # editions/<day>/audio/<script id>/edition.mp3 -> polly/<script id>
        audio = self._start(ssml, OutputFormat="mp3", OutputS3KeyPrefix=prefix + "/audio")
        if self.engine != "generative":  # Polly gives no speech marks for the generative engine
            try:
                self.start_speech_marks(ssml, prefix)
            except NarrationError:  # the MP3 task runs (and is billed): keep it, without chapters
                logger.warning("the speech-marks task did not start; the audio will have no chapters", exc_info=True)
        return Narration("pending", task_id=audio)

    def check(self, ssml: str) -> None:
        """Raise ``NarrationRefused`` when Polly would refuse or fail this narration."""
        if not fits_one_task(ssml):
            raise NarrationRefused(
                f"the script has {billed_characters(ssml):,} billed / {len(ssml):,} total characters; one Polly "
                f"task takes at most {POLLY_ASYNC_LIMIT:,} / {POLLY_ASYNC_TOTAL_LIMIT:,}: no audio for this edition"
            )
        if self.engine not in ENGINES:
            raise NarrationRefused(f"unknown Polly engine {self.engine!r} (one of: {', '.join(ENGINES)})")
        if not self._voice_checked:
            voices = self._voices()
            if voices is not None and self.voice not in voices:
                raise NarrationRefused(
                    f"Polly voice {self.voice!r} does not support the {self.engine} engine "
                    f"(voices that do: {', '.join(sorted(voices)) or 'none'})"
                )
            self._voice_checked = voices is not None

    def start_speech_marks(self, ssml: str, key_prefix: str) -> str:
        """Start the speech-marks task (``ssml`` marks, as JSON Lines) under ``<key_prefix>/marks``;
        returns its task id."""
        return self._start(
            ssml, OutputFormat="json", SpeechMarkTypes=["ssml"], OutputS3KeyPrefix=key_prefix.rstrip("/") + "/marks"
        )

    def _voices(self) -> set[str] | None:
        """Voice ids Polly offers for the engine in this region; None when it cannot be asked."""
        voices: set[str] = set()
        request: dict[str, Any] = {"Engine": self.engine}
        try:
            while True:
                page = self.polly.describe_voices(**request)
                voices.update(v["Id"] for v in page.get("Voices", []))
                if not page.get("NextToken"):
                    return voices
                request["NextToken"] = page["NextToken"]
        except (ClientError, BotoCoreError, KeyError):
            logger.warning("cannot list Polly voices; the voice and engine are not checked", exc_info=True)
            return None

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
        kind = "speech marks" if output.get("OutputFormat") == "json" else "synthesis"
        try:
            task = self.polly.start_speech_synthesis_task(**request)["SynthesisTask"]
        except ClientError as exc:  # Polly answered: no task was started
            code = exc.response.get("Error", {}).get("Code", "")
            error = NarrationRefused if code in _REFUSED else NarrationError
            raise error(f"Polly did not start the {kind} task ({code})") from exc
        except BotoCoreError as exc:
            raise NarrationUnknown(f"Polly may or may not have started the {kind} task ({type(exc).__name__})") from exc
        return task.get("TaskId", "")
