"""Secrets Manager: the signing secret for links in emails."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from digest.errors import ConfigError


def read_secret(secretsmanager: Any, secret_id: str) -> str:
    try:
        value = secretsmanager.get_secret_value(SecretId=secret_id).get("SecretString", "")
    except (ClientError, BotoCoreError) as exc:
        raise ConfigError(f"cannot read the signing secret {secret_id}") from exc
    if len(value) < 32:
        raise ConfigError("the signing secret must be at least 32 characters")
    return value
