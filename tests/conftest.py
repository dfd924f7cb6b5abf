"""Shared fixtures: the local AWS stack (moto in server mode, over real HTTP) and its settings."""

from __future__ import annotations

import os
from dataclasses import replace
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# No test may reach real AWS: dummy credentials before any client exists.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "MorningDigestTests")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "morning-digest-tests")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")


class FixedClock:
    def __init__(self, when: datetime) -> None:
        self.when = when

    def now(self) -> datetime:
        return self.when


@pytest.fixture(scope="session")
def moto_server():
    from digest.local.stack import LocalStack

    stack = LocalStack()
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture
def stack(moto_server):
    """A fresh set of the template's resources on the shared moto server."""
    moto_server.reset()
    moto_server.env = moto_server.create_resources()
    return moto_server


@pytest.fixture
def clock():
    # 05:00 in New York on the sample news day.
    return FixedClock(datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc))


@pytest.fixture
def app(stack, clock, monkeypatch):
    """The composition root wired to the local stack, as a handler would see it."""
    from digest import bootstrap
    from digest.config import Settings

    env = {**stack.env, "AWS_ENDPOINT_URL": stack.endpoint, "AWS_REGION": "us-east-1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = replace(Settings.from_env(env), narrator="espeak", allow_loopback_fetch=True)
    container = bootstrap.Container(settings, clock)
    bootstrap.use(container)
    yield container
    bootstrap.use(None)


@pytest.fixture
def sources_file(app, tmp_path, monkeypatch):
    """Point the ingest handler's source list at the sample feeds on a local HTTP server."""
    from digest.bootstrap import load_sources
    from digest.local.feedserver import FeedServer

    with FeedServer(date(2026, 11, 28)) as feeds:
        files = {"ap": "ap.xml", "afp": "afp.xml", "reuters": "reuters.xml"}
        sources = [{**vars(s), "url": feeds.url(files[s.key])} for s in load_sources()]
        path = tmp_path / "sources.json"
        path.write_text(json.dumps(sources))
        app.settings = replace(app.settings, sources_file=str(path))
        yield path
