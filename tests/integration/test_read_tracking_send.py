"""With ReadTracking on, the edition a reader receives (through the assemble, dispatch and send
handlers and moto's SES) carries each story's link tag, and its private links ``ses:no-track``;
with it off, neither. SES itself strips both attributes when it rewrites the links."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import replace

import pytest

from digest.core.subscriber import ACTIVE, Subscriber
from tests.integration.handlers import event, invoke
from tests.integration.test_handlers import _sqs_event

DAY = "2026-11-28"
READER = "sub-00000000000000000000read"


def _received_html(app, stack) -> str:
    app.subscribers.put(Subscriber(READER, "reader@example.com", ACTIVE, "paid"))
    invoke("ingest", event("ingest", "scheduled.json"))
    invoke("assemble", event("assemble", "scheduled.json"))
    app.clock.when = app.clock.when.replace(hour=11)  # 06:00 in New York: the send schedule fires
    invoke("dispatch", event("dispatch", "scheduled.json"))
    invoke("send", _sqs_event(app))
    [raw] = [m["raw_data"] for m in stack.sent_emails() if "reader@example.com" in m["destinations"]]
    message = email.message_from_string(raw, policy=email.policy.default)
    return message.get_body(("html",)).get_content()


@pytest.mark.parametrize("tracking", [True, False])
def test_the_sent_edition_tags_story_links_only_when_the_stack_tracks_reads(app, stack, sources_file, tracking):
    app.settings = replace(app.settings, read_tracking=tracking)
    html = _received_html(app, stack)
    story_ids = _story_ids(app)
    anchors = re.findall(r"<a\b[^>]*>", html)
    if not tracking:
        assert "ses:" not in html
        return
    tags = {m for a in anchors for m in re.findall(r'ses:tags="story:([A-Za-z0-9_-]+);"', a)}
    assert tags and tags <= story_ids
    private = [a for a in anchors if "ses:tags" not in a]
    assert private and all("ses:no-track" in a for a in private)
    assert any("/unsubscribe/" in a for a in private)  # the reader's own signed link is never rewritten


def _story_ids(app) -> set[str]:
    from digest.services.desk import snapshot

    data = snapshot(app.blobs, DAY, app.editions.latest(DAY).version) or {}
    return {str(s["cluster_id"]) for s in [data.get("lead"), *data.get("stories", [])] if s}
