"""boto3 clients, built on first use with one shared config (retries, timeouts, endpoint)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=None)
def client(service: str, region: str, endpoint_url: str | None = None) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=5, read_timeout=20)
    return boto3.session.Session().client(service, region_name=region, endpoint_url=endpoint_url, config=config)
