"""The public site is cached by CloudFront: each object says how long, and publishing invalidates.

moto 5 implements CloudFront's CreateDistribution, CreateInvalidation, ListInvalidations and
GetInvalidation (checked here: the local stack creates the template's distribution and the publish
goes through the real adapter). It does not deduplicate a repeated CallerReference, which AWS
does, so that part is not tested.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from digest.adapters.cloudfront import CloudFrontSiteCache, NoSiteCache
from digest.core.caching import LONG, SHORT
from digest.errors import StorageError
from tests.integration.stories import stories_for

ZONE = "America/New_York"
DAY = date(2026, 11, 28)


def _sent_edition(app, day: date):
    """The morning of ``day``: assemble at 05:00, dispatch at 06:00 (which publishes)."""
    stories_for(app, day, ZONE)
    app.clock.when = datetime.combine(day, time(5), ZoneInfo(ZONE)).astimezone(UTC)
    built = app.assemble(day)
    assert built.record is not None and built.record.status == "draft", built
    app.clock.when = datetime.combine(day, time(6), ZoneInfo(ZONE)).astimezone(UTC)
    app.dispatch(day.isoformat(), scheduled=True)
    return app.editions.latest(day.isoformat())


def _cache_control(app, key: str) -> str | None:
    return app.client("s3").head_object(Bucket=app.settings.archive_bucket, Key=key).get("CacheControl")


def _invalidated(app) -> list[list[str]]:
    cloudfront = app.client("cloudfront")
    distribution = app.settings.distribution_id
    items = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
    return [
        cloudfront.get_invalidation(DistributionId=distribution, Id=i["Id"])["Invalidation"]["InvalidationBatch"][
            "Paths"
        ]["Items"]
        for i in items
    ]


def test_publishing_sets_cache_control_and_invalidates_what_changed(app):
    app.settings = replace(app.settings, edition_timezone=ZONE)
    assert isinstance(app.site_cache, CloudFrontSiteCache), "the local stack has the template's distribution"
    record = _sent_edition(app, DAY)
    assert record.status == "sent"
    day = DAY.isoformat()
    for key in (f"site/{day}/index.html", "site/index.html", "site/feed.atom", "site/podcast.xml"):
        assert _cache_control(app, key) == SHORT, key  # today's page and the listings change soon
    assert _cache_control(app, f"editions/{day}/v0001/email.html") is None  # private: no header
    [paths] = _invalidated(app)
    assert set(paths) == {f"/{day}/*", "/", "/index.html", "/feed.atom", "/podcast.xml", "/archive.json"}

    # A correction the next day: the now-past page is long-lived, and invalidated again.
    app.clock.when = datetime.combine(DAY + timedelta(days=1), time(9), ZoneInfo(ZONE)).astimezone(UTC)
    app.publish(record)
    assert _cache_control(app, f"site/{day}/index.html") == LONG
    assert _cache_control(app, "site/feed.atom") == SHORT
    assert len(_invalidated(app)) == 2


def test_a_failed_invalidation_does_not_stop_the_dispatch(app, caplog):
    app.settings = replace(app.settings, edition_timezone=ZONE)

    class Broken:
        def invalidate(self, paths, reference):
            raise StorageError("CloudFront is unavailable")

    app.site_cache = Broken()
    record = _sent_edition(app, DAY)
    assert record.status == "sent"
    assert "site cache not invalidated" in caplog.text


def test_no_distribution_means_nothing_to_invalidate(app):
    app.settings = replace(app.settings, distribution_id="")
    app.__dict__.pop("site_cache", None)
    assert isinstance(app.site_cache, NoSiteCache)
    assert app.site_cache.invalidate(["/x"], "r") == ""


def test_an_unknown_distribution_is_a_storage_error(app):
    with pytest.raises(StorageError, match="distribution NOPE"):
        CloudFrontSiteCache(app.client("cloudfront"), "NOPE").invalidate(["/index.html"], "r")
