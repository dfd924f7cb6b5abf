"""boto3 clients, built on first use with one shared config (retries, timeouts, endpoint)."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service: str, region: str, endpoint_url: str | None = None, attempts: int = 4) -> Any:
    """A client with standard retries; ``attempts=1`` where a retried call could act twice (SES sends)."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"total_max_attempts": attempts, "mode": "standard"}, connect_timeout=5, read_timeout=20)
    return boto3.session.Session().client(service, region_name=region, endpoint_url=endpoint_url, config=config)
