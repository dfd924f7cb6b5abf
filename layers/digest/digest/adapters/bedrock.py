"""Amazon Bedrock as the summary model: one Converse call per cluster, with the stack's guardrail.

:class:`BedrockModel` implements :class:`digest.core.guarded.SummaryModel`. It never raises:
a refused or failed call comes back as a :class:`~digest.core.guarded.ModelReply` with ``error``
set, and the guarded summarizer then falls back to the extractive summary with that reason.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from digest.config import Settings
from digest.core.factguard import GuardLimits
from digest.core.guarded import GuardedSummarizer, ModelReply
from digest.core.summarizer import Summarizer

logger = logging.getLogger(__name__)

TOKENS_PER_WORD = 2  # room for the longest summary allowed (English runs about 1.3 tokens a word)


class BedrockModel:
    """``bedrock-runtime`` ``Converse`` with ``model_id`` at temperature 0, and the guardrail
    ``guardrail_id`` at ``guardrail_version`` when one is set (its trace off)."""

    def __init__(
        self, runtime: Any, model_id: str, guardrail_id: str = "", guardrail_version: str = "", max_tokens: int = 400
    ) -> None:
        self.runtime, self.model_id, self.max_tokens = runtime, model_id, max_tokens
        self.guardrail_id, self.guardrail_version = guardrail_id, guardrail_version

    def request(self, system: str, prompt: str) -> dict[str, Any]:
        """The Converse request for one summary."""
        request: dict[str, Any] = {
            "modelId": self.model_id,
            "system": [{"text": system}],
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {"maxTokens": self.max_tokens, "temperature": 0.0},
        }
        if self.guardrail_id:
            request["guardrailConfig"] = {
                "guardrailIdentifier": self.guardrail_id,
                "guardrailVersion": self.guardrail_version,
                "trace": "disabled",
            }
        return request

    def write(self, system: str, prompt: str) -> ModelReply:
        try:
            answer = self.runtime.converse(**self.request(system, prompt))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = error.get("Code", "error"), error.get("Message", "")
            logger.warning("Bedrock refused a summary request: %s", code)
            return ModelReply(error=f"Bedrock refused the request ({code}: {message})".replace(": )", ")"))
        except BotoCoreError as exc:
            logger.warning("Bedrock could not be reached: %s", exc)
            return ModelReply(error=f"Bedrock could not be reached ({type(exc).__name__})")
        blocks = answer.get("output", {}).get("message", {}).get("content", [])
        usage = answer.get("usage", {})
        return ModelReply(
            text="".join(block.get("text", "") for block in blocks).strip(),
            input_tokens=int(usage.get("inputTokens", 0)),
            output_tokens=int(usage.get("outputTokens", 0)),
            stop=answer.get("stopReason", ""),
        )


def generative_summarizer(
    settings: Settings, fallback: Summarizer, max_words: int = 150, min_words: int = 0, client: Any = None
) -> Summarizer:
    """The summarizer assemble uses: ``fallback`` alone when no model is configured
    (``BEDROCK_MODEL_ID`` empty, the default), else Bedrock's summaries behind the fact guard
    (at most ``max_words``, at least ``min_words``), with ``fallback`` whenever the guard refuses
    one. ``client`` builds boto3 clients (``digest.adapters.aws.client``'s signature); Bedrock is
    reached at ``bedrock_endpoint_url`` when set (a local stand-in), else where every other
    service is."""
    if not settings.bedrock_model_id:
        return fallback
    if client is None:
        from digest.adapters.aws import client
    endpoint = settings.bedrock_endpoint_url or settings.endpoint_url
    model = BedrockModel(
        client("bedrock-runtime", settings.region, endpoint, 2),
        settings.bedrock_model_id,
        settings.bedrock_guardrail_id,
        settings.bedrock_guardrail_version,
        max_tokens=max_words * TOKENS_PER_WORD,
    )
    return GuardedSummarizer(model, fallback, GuardLimits(max_words=max_words, min_words=min_words))
