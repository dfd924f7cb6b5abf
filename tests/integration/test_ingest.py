"""Ingest against the moto server: versions, withdrawals, broken sources, nothing damaged."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from digest.core.story import Source
from digest.services.ingest import ingest

FEEDS: dict[str, bytes] = {}


def rss(*items: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>W</title>"
        + "".join(items)
        + "</channel></rss>"
    ).encode("utf-8")


def item(guid: str, title: str, body: str, when: str = "Fri, 27 Nov 2026 14:00:00 +0000") -> str:
    return (
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{title}</title>"
        f"<link>https://wire.example/{guid}</link><pubDate>{when}</pubDate>"
        f"<description><![CDATA[{body}]]></description></item>"
    )


REDIRECTS: dict[str, str] = {}


class _Feeds(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path in REDIRECTS:
            self.send_response(302)
            self.send_header("Location", REDIRECTS[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = FEEDS.get(self.path)
        if body is None:
            self.send_response(500)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def feed_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Feeds)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def run(app, feed_server):

    from digest.adapters.http_fetch import HttpFetcher

    FEEDS.clear()
    fetcher = HttpFetcher(allow_loopback=True, backoff=0.0, retries=1)
    sources = [
        Source("good", "Good Wire", "Good Wire", f"{feed_server}/good"),
        Source("bad", "Bad Wire", "Bad Wire", f"{feed_server}/bad"),
    ]

    def _run(**kwargs):
        return ingest(
            sources,
            fetcher=fetcher,
            stories=app.stories,
            feed_state=app.feed_state,
            clock=app.clock,
            parse=app.parse,
            force=True,
            **kwargs,
        )

    return _run


def _stored(app):
    now = app.clock.now()
    return {s.guid: s for s in app.stories.between(now - timedelta(days=3), now)}


def test_a_new_version_updates_the_story_instead_of_adding_one(app, run):
    FEEDS["/good"] = rss(item("g-1", "Dam breaks", "<p>A dam broke on Friday.</p>"))
    assert run().stored == 1
    FEEDS["/good"] = rss(item("g-1", "Dam breaks, 40 missing", "<p>A dam broke on Friday. Forty are missing.</p>"))
    report = run()
    assert [(o.new, o.updated) for o in report.outcomes if o.source == "good"] == [(0, 1)]
    stories = _stored(app)
    assert len(stories) == 1 and stories["g-1"].title == "Dam breaks, 40 missing"


def test_a_broken_source_is_recorded_and_the_others_go_on(app, run):
    FEEDS["/good"] = rss(item("g-1", "Vote held", "<p>Parliament voted.</p>"))
    # /bad is missing: the server answers 500 every time.
    report = run()
    outcomes = {o.source: o.outcome for o in report.outcomes}
    assert outcomes == {"good": "fetched", "bad": "failed"}
    assert [p.kind for p in report.problems] == ["fetch"]
    assert set(_stored(app)) == {"g-1"}


def test_hostile_and_broken_feeds_store_good_stories_and_damage_nothing(app, run):
    FEEDS["/good"] = rss(item("g-1", "Summit opens", "<p>Leaders met in Lima.</p>"))
    run()
    hostile = item(
        "h-1",
        "Storm<script>alert(1)</script> hits coast",
        "<p onclick='steal()'>Winds rose.<style>p{}</style><a href='javascript:alert(2)'>More</a></p>",
    )
    FEEDS["/good"] = rss(
        item("g-1", "Summit opens", "<p>Leaders met in Lima.</p>"),
        hostile,
        item("nodate", "Undated", "<p>No date.</p>", when="sometime soon"),
    )[:-40]  # truncated
    report = run()
    stories = _stored(app)
    assert stories["g-1"].title == "Summit opens"  # the earlier story is intact
    storm = stories["h-1"]
    assert "alert" not in storm.title + storm.body and "steal" not in storm.body and "javascript" not in storm.body
    assert storm.body == "Winds rose.More"  # the text a browser shows, minus style and script
    assert {p.kind for p in report.problems} >= {"malformed"}


def test_dates_in_the_future_are_kept_but_the_story_waits(app, run):
    future = (app.clock.now() + timedelta(days=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    FEEDS["/good"] = rss(item("f-1", "Future", "<p>Not yet.</p>", when=future))
    run()
    now = app.clock.now()
    assert app.stories.between(now - timedelta(days=1), now) == []
    assert app.stories.get(app.stories.between(now, now + timedelta(days=3))[0].story_id).guid == "f-1"


def test_an_older_version_never_overwrites_a_newer_one(app):
    from dataclasses import replace

    from digest.core.identity import content_hash
    from digest.core.story import Story

    when = datetime(2026, 11, 27, 14, tzinfo=UTC)
    v2 = Story(
        "w-1",
        "w",
        "W",
        "W",
        "w-1",
        "Kill: story withdrawn",
        "Withdrawn.",
        "https://w/1",
        when,
        content_hash("k"),
        version=2,
        status="canceled",
    )
    assert app.stories.save(v2) == "new"
    v1 = replace(
        v2, title="Original", body="Original copy.", content_hash=content_hash("o"), version=1, status="usable"
    )
    assert app.stories.save(v1) == "same"
    assert app.stories.get("w-1").status == "canceled"


def ninjs(uri: str, status: str, version: int, headline: str) -> bytes:
    import json

    return json.dumps(
        {
            "items": [
                {
                    "uri": uri,
                    "version": str(version),
                    "pubstatus": status,
                    "urgency": 3,
                    "versioncreated": "2026-11-28T04:00:00Z",
                    "headlines": [{"value": headline}],
                    "bodies": [
                        {"contenttype": "text/html", "value": "<p>Officials confirmed the figures on Friday.</p>"}
                    ],
                }
            ]
        }
    ).encode()


@pytest.mark.parametrize("sent", [False, True])
def test_a_withdrawn_story_leaves_the_unsent_edition_and_flags_the_sent_one(app, feed_server, sources_file, sent):
    from digest.core.story import Source
    from tests.integration.handlers import event, invoke

    FEEDS.clear()
    kill_source = Source("meridian", "Meridian Wire", "Meridian Wire", f"{feed_server}/meridian", format="ninjs")
    app.settings = replace(app.settings, sources_file=_with_source(sources_file, kill_source))
    FEEDS["/meridian"] = ninjs("urn:meridian:1", "usable", 1, "Exclusive: Port strike ends overnight")
    invoke("ingest", event("ingest", "manual-force.json"))
    built = invoke("assemble", event("assemble", "scheduled.json"))
    killed_id = next(s.story_id for s in _stored(app).values() if s.source == "meridian")
    assert killed_id in app.editions.latest("2026-11-28").story_ids, "the urgent story made the edition"
    if sent:
        app.editions.update(replace(app.editions.latest("2026-11-28"), status="sent"))

    FEEDS["/meridian"] = ninjs("urn:meridian:1", "canceled", 2, "KILL: Port strike ends overnight")
    result = invoke("ingest", event("ingest", "manual-force.json"))
    assert result["withdrawn"] == [killed_id] and result["rebuilt"] == ["2026-11-28"]
    latest = app.editions.latest("2026-11-28")
    assert latest.version == built["version"] + 1 and killed_id not in latest.story_ids
    assert latest.status == ("sent" if sent else "draft")
    snapshot = json.loads(app.blobs.get(f"editions/2026-11-28/v{latest.version:04d}/edition.json"))
    note = snapshot["correction_note"] or ""
    assert ("withdrawn by the agency" in note) == sent  # a correction note only where readers saw it


def _with_source(path, source) -> str:
    import json
    from dataclasses import asdict

    sources = json.loads(path.read_text()) + [asdict(source)]
    path.write_text(json.dumps(sources))
    return str(path)


def test_dynamo_edition_writes_are_narrow_and_conditional(app):
    from digest.core.edition_record import EditionRecord

    draft = EditionRecord("2026-11-28", 1, "h", "draft", 8, "Morning Digest", "2026-11-28T10:00:00+00:00")
    assert app.editions.add(draft)
    assert app.editions.set_status(replace(draft, status="held", reason="legal review"), expected="draft")
    app.editions.set_audio(replace(draft, audio_status="ready", audio_seconds=12.5, chapters=(("story-1", 1.5),)))
    assert not app.editions.set_status(replace(draft, status="sending"), expected="draft")
    latest = app.editions.latest("2026-11-28")
    assert (latest.status, latest.reason, latest.audio_status, latest.chapters) == (
        "held",
        "legal review",
        "ready",
        (("story-1", 1.5),),
    )


def test_a_redirect_to_an_impossible_port_fails_its_source_and_the_run_goes_on(app, run):
    # Before: the fetcher's address check raised ValueError ("Port out of range") out of the run.
    FEEDS["/good"] = rss(item("g-1", "Vote held", "<p>Parliament voted.</p>"))
    REDIRECTS["/bad"] = "http://127.0.0.1:99999/"
    try:
        report = run()
    finally:
        REDIRECTS.clear()
    assert {o.source: o.outcome for o in report.outcomes} == {"good": "fetched", "bad": "failed"}
    assert [p.kind for p in report.problems] == ["fetch"] and "99999" in report.problems[0].detail
    assert set(_stored(app)) == {"g-1"}


def test_a_javascript_story_url_is_not_stored(app, run):
    # Before: the story's canonical URL was javascript:alert(document.cookie).
    FEEDS["/good"] = rss(
        item("g-1", "Vote held", "<p>Parliament voted.</p>").replace(
            "https://wire.example/g-1", "javascript:alert(document.cookie)"
        )
    )
    report = run()
    assert _stored(app)["g-1"].url == ""
    assert [p.kind for p in report.problems if p.source == "good"] == ["bad-url"]


def test_a_kill_at_the_same_version_is_not_undone_by_a_stale_copy(app):
    from digest.core.identity import content_hash
    from digest.core.story import Story

    live = Story(
        "w-2",
        "w",
        "W",
        "W",
        "w-2",
        "Port reopens",
        "It reopened.",
        "https://w/2",
        datetime(2026, 11, 27, 14, tzinfo=UTC),
        content_hash("live"),
    )
    killed = replace(live, title="KILL: Port reopens", content_hash=content_hash("kill"), status="canceled")
    assert app.stories.save(live) == "new" and app.stories.save(killed) == "updated"
    assert app.stories.save(live) == "same"  # a mirror still serving the live copy
    assert app.stories.get("w-2").status == "canceled"


def test_a_cancel_stored_by_a_run_that_died_is_withdrawn_by_the_next_run(app, feed_server, sources_file):
    # Before: only the run that stored the cancel withdrew it; the next one saw it as "same".
    from tests.integration.handlers import event, invoke

    FEEDS.clear()
    kill_source = Source("meridian", "Meridian Wire", "Meridian Wire", f"{feed_server}/meridian", format="ninjs")
    app.settings = replace(app.settings, sources_file=_with_source(sources_file, kill_source))
    FEEDS["/meridian"] = ninjs("urn:meridian:1", "usable", 1, "Exclusive: Port strike ends overnight")
    invoke("ingest", event("ingest", "manual-force.json"))
    invoke("assemble", event("assemble", "scheduled.json"))
    killed_id = next(s.story_id for s in _stored(app).values() if s.source == "meridian")
    assert killed_id in app.editions.latest("2026-11-28").story_ids

    FEEDS["/meridian"] = ninjs("urn:meridian:1", "canceled", 2, "KILL: Port strike ends overnight")
    ingest(
        [kill_source], fetcher=app.fetcher, stories=app.stories, feed_state=app.feed_state, clock=app.clock, force=True
    )
    # ... and the process died here, before the withdrawals. Until the next run, dispatch refuses:
    refused = app.dispatch("2026-11-28", scheduled=False)
    assert refused.messages == 0 and killed_id in refused.reason
    held = app.editions.latest("2026-11-28")
    assert held.status == "held" and "withdrawn by the agency" in held.reason

    result = invoke("ingest", event("ingest", "manual-force.json"))
    assert result["withdrawn"] == [] and result["rebuilt"] == ["2026-11-28"]
    assert killed_id not in app.editions.latest("2026-11-28").story_ids
