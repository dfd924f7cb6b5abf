"""Shared fixtures: the local AWS stack (moto in server mode, over real HTTP) and its settings."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[1]

# No test may reach real AWS: dummy credentials before any client exists.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "MorningDigestTests")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "morning-digest-tests")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")


from digest.adapters.clock import FixedClock  # noqa: E402  (the one pinned clock; re-exported for tests)

# Wall-clock instants that break naive date handling; every test that runs the morning runs at each.
# New York is UTC-5 in winter, UTC-4 in summer; 2026's changes: 8 March (02:00 -> 03:00) and
# 1 November (02:00 -> 01:00).
NEW_YORK = ZoneInfo("America/New_York")
INSTANTS = {
    "00:30 UTC": datetime(2026, 12, 2, 0, 30, tzinfo=UTC),  # still 1 December in New York
    "04:59 New York": datetime(2026, 12, 2, 4, 59, tzinfo=NEW_YORK),  # a minute before assembly
    "05:00 New York": datetime(2026, 12, 2, 5, 0, tzinfo=NEW_YORK),  # assembly time
    "23:59 New York": datetime(2026, 12, 1, 23, 59, tzinfo=NEW_YORK),  # 04:59 UTC the next day
    "spring forward": datetime(2026, 3, 8, 5, 0, tzinfo=NEW_YORK),  # a 23-hour news day
    "fall back": datetime(2026, 11, 1, 5, 0, tzinfo=NEW_YORK),  # a 25-hour news day
}


def pytest_addoption(parser):
    parser.addoption(
        "--wall-clock",
        default="",
        metavar="INSTANT",
        help="run the whole suite as if the wall clock read INSTANT (ISO 8601 with offset, or a "
        f"name: {', '.join(INSTANTS)}); subprocesses get it as DIGEST_NOW",
    )


def pytest_configure(config):
    """``--wall-clock``: the machine's clock itself is moved (time-machine), for the whole run."""
    text = config.getoption("--wall-clock")
    if not text:
        return
    import time_machine

    from digest.adapters.clock import parse_instant

    when = INSTANTS[text] if text in INSTANTS else parse_instant(text)
    os.environ["DIGEST_NOW"] = when.isoformat()
    config._wall_clock = time_machine.travel(when, tick=True)
    config._wall_clock.start()


def pytest_report_header(config):
    text = config.getoption("--wall-clock")
    return f"wall clock moved to {os.environ['DIGEST_NOW']}" if text else None


@pytest.fixture(params=list(INSTANTS), ids=list(INSTANTS))
def instant(request) -> datetime:
    """Each awkward instant in turn, as an aware UTC datetime."""
    return INSTANTS[request.param].astimezone(UTC)


@pytest.fixture(scope="session")
def moto_server():
    from digest_tools.local.stack import LocalStack

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
    return FixedClock(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))


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
    from digest.config import load_sources
    from digest_tools.local.feedserver import FeedServer

    with FeedServer(date(2026, 11, 28)) as feeds:
        files = {"ap": "ap.xml", "afp": "afp.xml", "reuters": "reuters.xml"}
        sources = [{**vars(s), "url": feeds.url(files[s.key])} for s in load_sources()]
        path = tmp_path / "sources.json"
        path.write_text(json.dumps(sources))
        app.settings = replace(app.settings, sources_file=str(path))
        yield path
