"""Settings, parsed once from the environment (see ``Settings.from_env``).

Nothing here runs at import time; bootstrap calls ``from_env`` on first use, and explicit
arguments (tests, the CLI) beat the environment by building ``Settings`` directly or with
``dataclasses.replace``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from digest.errors import ConfigError

if TYPE_CHECKING:
    from digest.core.edition import Brand
    from digest.core.story import Source

# The Jinja templates, package data of ``digest`` (``digest/templates``): in a checkout a link to the
# top-level templates/ folder, in a wheel and in the built layer a copy of it. One lookup for all three.
TEMPLATES = Path(str(resources.files("digest") / "templates"))


@dataclass(frozen=True)
class Settings:
    """Everything the services and adapters need to know about their surroundings."""

    stories_table: str
    editions_table: str
    subscribers_table: str
    ledger_table: str
    feed_state_table: str
    audit_table: str
    archive_bucket: str
    send_queue_url: str
    sender: str
    public_base_url: str
    api_base_url: str
    region: str = "us-east-1"
    endpoint_url: str | None = None
    audio_topic_arn: str = ""
    signing_secret_arn: str = ""
    signing_secret: str = ""
    ses_configuration_set: str = ""  # the editions' (tracked with ReadTracking on)
    ses_transactional_configuration_set: str = ""  # confirmation, welcome, reminder: never tracked
    polly_voice: str = "Joanna"
    polly_engine: str = "neural"
    edition_timezone: str = "America/New_York"
    template_dir: Path = TEMPLATES
    narrator: str = "polly"
    sources_file: str = ""
    allow_loopback_fetch: bool = False
    max_stories: int = 8
    min_stories: int = 3
    summary_min_words: int = 60  # a shorter summary builds, with a note for the editor
    summary_max_words: int = 150
    summary_max_paragraphs: int = 3
    window_hours: int = 24
    assemble_at: time = time(5, 0)
    newsletter_name: str = "Morning Digest"
    contact_address: str = "editors@news.example.org"
    signup_url: str = ""  # empty: the public site's /subscribe page
    send_batch_size: int = 50
    send_at: time = time(6, 0)
    send_window_minutes: int = 120
    require_approval: bool = False
    read_tracking: bool = False  # ReadTracking: SES open and click tracking, counted per edition and story
    sending_switch_parameter: str = ""
    ses_max_send_rate: float = 0.0  # 0: ask SES (GetAccount)
    sender_concurrency: int = 2
    audio_policy: str = "omit"
    function_name: str = ""  # this Lambda function's own name (it starts editor actions on itself)
    distribution_id: str = ""  # the site's CloudFront distribution; empty: nothing to invalidate
    bedrock_model_id: str = ""  # empty: extractive summaries only; set: Bedrock writes, the fact guard checks
    bedrock_guardrail_id: str = ""  # a Bedrock guardrail applied to every summary request (with its version)
    bedrock_guardrail_version: str = ""
    bedrock_endpoint_url: str | None = None  # a local stand-in for Bedrock (tests, demos); None: as AWS
    confirm_queue_url: str = ""  # the sign-up form's confirmation requests (SQS); its consumer sends them
    # "event-source": Lambda's SQS event source drains the queue; "inline": this process drains it right
    # after each enqueue (the local stack, which has no event source; the default with AWS_ENDPOINT_URL)
    confirm_queue_drain: str = "event-source"
    signup_limits_table: str = ""  # sign-up counters (core.signup_limits), items with a TTL
    signup_limit_mailbox: int = 3  # requests per normalised mailbox a day (0: no limit)
    signup_limit_client: int = 20  # per client address (IPv6: its /64) an hour
    signup_limit_domain: int = 100  # per address domain an hour
    signup_daily_cap: int = 1000  # all sign-up requests a day

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from environment variables (the names ``template.yaml`` sets).

        Examples
        --------
        >>> s = Settings.from_env({"STORIES_TABLE": "s", "EDITIONS_TABLE": "e",
        ...     "SUBSCRIBERS_TABLE": "u", "LEDGER_TABLE": "l", "FEED_STATE_TABLE": "f", "AUDIT_TABLE": "a",
        ...     "ARCHIVE_BUCKET": "b",
        ...     "SEND_QUEUE_URL": "q", "SENDER": "a@b.c", "PUBLIC_BASE_URL": "https://x",
        ...     "API_BASE_URL": "https://api"})
        >>> s.max_stories
        8
        """
        env = os.environ if env is None else env

        def need(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise ConfigError(f"environment variable {name} is not set")
            return value

        def number(name: str, default: int) -> int:
            raw = env.get(name, "").strip()
            try:
                return int(raw) if raw else default
            except ValueError as exc:
                raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc

        return cls(
            stories_table=need("STORIES_TABLE"),
            editions_table=need("EDITIONS_TABLE"),
            subscribers_table=need("SUBSCRIBERS_TABLE"),
            ledger_table=need("LEDGER_TABLE"),
            feed_state_table=need("FEED_STATE_TABLE"),
            audit_table=need("AUDIT_TABLE"),
            archive_bucket=need("ARCHIVE_BUCKET"),
            send_queue_url=need("SEND_QUEUE_URL"),
            sender=need("SENDER"),
            public_base_url=need("PUBLIC_BASE_URL").rstrip("/"),
            api_base_url=need("API_BASE_URL").rstrip("/"),
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            audio_topic_arn=env.get("AUDIO_TOPIC_ARN", ""),
            signing_secret_arn=env.get("SIGNING_SECRET_ARN", ""),
            signing_secret=env.get("SIGNING_SECRET", ""),
            ses_configuration_set=env.get("SES_CONFIGURATION_SET", ""),
            ses_transactional_configuration_set=env.get("SES_TRANSACTIONAL_CONFIGURATION_SET", ""),
            polly_voice=env.get("POLLY_VOICE", "Joanna"),
            polly_engine=env.get("POLLY_ENGINE", "neural"),
            edition_timezone=env.get("EDITION_TIMEZONE", "America/New_York"),
            narrator=env.get("NARRATOR", "polly"),
            sources_file=env.get("SOURCES_FILE", ""),
            allow_loopback_fetch=env.get("ALLOW_LOOPBACK_FETCH", "") == "1",
            max_stories=number("MAX_STORIES", 8),
            min_stories=number("MIN_STORIES", 3),
            summary_min_words=number("SUMMARY_MIN_WORDS", 60),
            summary_max_words=number("SUMMARY_MAX_WORDS", 150),
            summary_max_paragraphs=number("SUMMARY_MAX_PARAGRAPHS", 3),
            window_hours=number("WINDOW_HOURS", 24),
            assemble_at=_clock_time(env.get("ASSEMBLE_AT", "5:00"), "ASSEMBLE_AT"),
            newsletter_name=env.get("NEWSLETTER_NAME", "").strip() or "Morning Digest",
            contact_address=env.get("CONTACT_ADDRESS", "").strip() or "editors@news.example.org",
            signup_url=env.get("SIGNUP_URL", "").strip(),
            send_at=_clock_time(env.get("SEND_AT", "6:00"), "SEND_AT"),
            send_window_minutes=number("SEND_WINDOW_MINUTES", 120),
            require_approval=env.get("REQUIRE_APPROVAL", "").lower() in ("1", "true", "yes"),
            read_tracking=_choice(env.get("READ_TRACKING", "off").lower(), ("off", "on"), "READ_TRACKING") == "on",
            sending_switch_parameter=env.get("SENDING_SWITCH_PARAMETER", ""),
            ses_max_send_rate=float(number("SES_MAX_SEND_RATE", 0)),
            sender_concurrency=number("SENDER_CONCURRENCY", 2),
            audio_policy=_choice(env.get("AUDIO_POLICY", "omit"), ("omit", "hold"), "AUDIO_POLICY"),
            function_name=env.get("AWS_LAMBDA_FUNCTION_NAME", ""),
            distribution_id=env.get("DISTRIBUTION_ID", "").strip(),
            bedrock_model_id=env.get("BEDROCK_MODEL_ID", "").strip(),
            bedrock_guardrail_id=env.get("BEDROCK_GUARDRAIL_ID", "").strip(),
            bedrock_guardrail_version=_guardrail_version(env),
            bedrock_endpoint_url=env.get("BEDROCK_ENDPOINT_URL", "").strip() or None,
            confirm_queue_url=env.get("CONFIRM_QUEUE_URL", "").strip(),
            confirm_queue_drain=_choice(
                env.get("CONFIRM_QUEUE_DRAIN", "").strip()
                or ("inline" if env.get("AWS_ENDPOINT_URL") else "event-source"),
                ("event-source", "inline"),
                "CONFIRM_QUEUE_DRAIN",
            ),
            signup_limits_table=env.get("SIGNUP_LIMITS_TABLE", "").strip(),
            signup_limit_mailbox=number("SIGNUP_LIMIT_MAILBOX", 3),
            signup_limit_client=number("SIGNUP_LIMIT_CLIENT", 20),
            signup_limit_domain=number("SIGNUP_LIMIT_DOMAIN", 100),
            signup_daily_cap=number("SIGNUP_DAILY_CAP", 1000),
        )


def _clock_time(text: str, name: str) -> time:
    try:
        hour, minute = (int(part) for part in text.strip().split(":"))
        return time(hour, minute)
    except ValueError as exc:
        raise ConfigError(f"{name} must be H:MM, got {text!r}") from exc


def _choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _guardrail_version(env: Mapping[str, str]) -> str:
    """BEDROCK_GUARDRAIL_VERSION, required with BEDROCK_GUARDRAIL_ID (Converse needs both)."""
    version = env.get("BEDROCK_GUARDRAIL_VERSION", "").strip()
    if env.get("BEDROCK_GUARDRAIL_ID", "").strip() and not version:
        raise ConfigError("BEDROCK_GUARDRAIL_ID is set without BEDROCK_GUARDRAIL_VERSION (a number or DRAFT)")
    return version


def brand_of(settings: Settings) -> Brand:
    """The newsroom's identity from the stack parameters (name, contact, sign-up and site pages)."""
    from digest.core.edition import Brand

    site = settings.public_base_url
    return Brand(
        name=settings.newsletter_name,
        contact_email=settings.contact_address,
        trial_url=settings.signup_url or f"{site}/subscribe",
        student_url=f"{site}/students",
        share_url=f"{site}/share",
    )


def load_sources(text: str | None = None) -> list[Source]:
    """Sources from JSON text, by default the bundled ``digest/sources.json``."""
    import json

    from digest.core.story import Source

    if text is None:
        text = resources.files("digest").joinpath("sources.json").read_text("utf-8")
    try:
        return [Source(**entry) for entry in json.loads(text)]
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"malformed source list: {exc}") from exc


def sources_of(settings: Settings) -> list[Source]:
    """The configured sources: ``SOURCES_FILE`` when set, else the bundled list."""
    if not settings.sources_file:
        return load_sources()
    try:
        with open(settings.sources_file, encoding="utf-8") as handle:
            return load_sources(handle.read())
    except OSError as exc:
        raise ConfigError(f"cannot read SOURCES_FILE {settings.sources_file}: {exc.strerror}") from exc
