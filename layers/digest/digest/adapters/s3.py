"""S3 blob store."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from digest.errors import StorageError


class S3Blobs:
    """Objects of one bucket. ``cache_control(key)`` gives a written object's ``Cache-Control``
    header (None: no header), so every writer of the public site gets the same caching rule."""

    def __init__(self, s3: Any, bucket: str, cache_control: Callable[[str], str | None] | None = None) -> None:
        self.s3, self.bucket, self.cache_control = s3, bucket, cache_control

    def put(self, key: str, data: bytes, content_type: str) -> None:
        extra = {}
        header = self.cache_control(key) if self.cache_control else None
        if header:
            extra["CacheControl"] = header
        try:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, **extra)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"could not write s3://{self.bucket}/{key}") from exc

    def get(self, key: str) -> bytes | None:
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise StorageError(f"could not read s3://{self.bucket}/{key}") from exc

    def delete(self, key: str) -> None:
        """Remove ``key`` (nothing happens when it is not there)."""
        try:
            self.s3.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"could not delete s3://{self.bucket}/{key}") from exc

    def exists(self, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404", "NotFound"):
                return False
            raise StorageError(f"could not check s3://{self.bucket}/{key}") from exc
        return True


class S3Downloads:
    """Files handed out once (an admin's export): each is written under ``prefix`` with a random
    part in its key and ``Content-Disposition: attachment``, and offered as a presigned GET URL.
    The bucket is private; its lifecycle deletes the prefix's objects after a day."""

    def __init__(self, s3: Any, bucket: str, prefix: str = "exports/") -> None:
        self.s3, self.bucket, self.prefix = s3, bucket, prefix

    def offer(self, name: str, data: bytes, content_type: str, seconds: int) -> str:
        key = f"{self.prefix}{secrets.token_urlsafe(16)}/{name}"
        disposition = f'attachment; filename="{name}"'
        try:
            self.s3.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, ContentDisposition=disposition
            )
            url = self.s3.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"could not offer s3://{self.bucket}/{key}") from exc
        return str(url)
