"""The public site's CloudFront distribution: invalidate the paths a publish changed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from digest.errors import StorageError


class CloudFrontSiteCache:
    """``CreateInvalidation`` on one distribution.

    CloudFront treats a repeated ``reference`` (CallerReference) with the same paths as the same
    request, so a retried publish does not pay twice.
    """

    def __init__(self, cloudfront: Any, distribution_id: str) -> None:
        self.cloudfront, self.distribution_id = cloudfront, distribution_id

    def invalidate(self, paths: Iterable[str], reference: str) -> str:
        items = sorted(set(paths))
        if not items:
            return ""
        try:
            reply = self.cloudfront.create_invalidation(
                DistributionId=self.distribution_id,
                InvalidationBatch={
                    "Paths": {"Quantity": len(items), "Items": items},
                    "CallerReference": reference[:128],
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(
                f"could not invalidate {len(items)} paths on distribution {self.distribution_id}"
            ) from exc
        return reply["Invalidation"]["Id"]


class NoSiteCache:
    """No distribution (``DISTRIBUTION_ID`` unset, e.g. ``digest serve``): nothing to invalidate."""

    def invalidate(self, paths: Iterable[str], reference: str) -> str:
        return ""
