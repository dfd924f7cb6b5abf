"""boto3 clients, built on first use with one shared config (retries, timeouts, endpoint)."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service: str, region: str, endpoint_url: str | None = None, attempts: int = 4) -> Any:
    """A client with standard retries; ``attempts=1`` where a retried call could act twice (SES sends)."""
    import boto3
    from botocore.config import Config

    extra: dict[str, Any] = {}
    if service == "s3":  # presigned links in SigV4, on the bucket's regional host (boto3 would sign V2, global)
        extra["signature_version"] = "s3v4"
        if endpoint_url is None:
            extra["s3"] = {"addressing_style": "virtual"}
    config = Config(
        retries={"total_max_attempts": attempts, "mode": "standard"}, connect_timeout=5, read_timeout=20, **extra
    )
    return boto3.session.Session().client(service, region_name=region, endpoint_url=endpoint_url, config=config)
