"""Read tracking: story links tagged for SES click tracking, private links never rewritten, and
the email unchanged when the stack does not track; Open and Click events counted per edition and
story, never per reader."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from digest.core.edition import Brand
from digest.core.render import environment, render_edition
from digest.core.subscriber import ACTIVE, SENT, Subscriber
from digest.services.feedback import Feedback
from tests.unit.fakes import FakeClock, FakeLedger, FakeReadCounts, FakeSubscriberStore
from tests.unit.test_render import TEMPLATES, plan, story

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events" / "feedback"
DAY = "2026-11-28"


class Anchors(HTMLParser):
    """Every <a>'s attributes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))


def anchors(html: str) -> list[dict[str, str | None]]:
    parser = Anchors()
    parser.feed(html)
    return parser.anchors


@pytest.fixture(scope="module")
def edition():
    return plan(
        [
            story("ap-1", "Strong earthquake strikes Lima, Peru", "LIMA (AP) A strong quake struck Lima. Six died."),
            story(
                "reu-1",
                "Swiss central bank cuts rates",
                "ZURICH (Reuters) The bank cut rates. Markets fell.",
                "reuters",
            ),
            story(
                "afp-1", "Vote count begins in Chile", "SANTIAGO (AFP) Polls closed in Chile. Counting began.", "afp"
            ),
        ]
    )


@pytest.fixture(scope="module")
def env():
    return environment(TEMPLATES)


def test_tracked_story_links_carry_their_story_and_every_other_link_is_never_rewritten(env, edition):
    html = render_edition(env, edition, Brand(), read_tracking=True).email_html
    stories = {s.cluster_id for s in edition.all_stories}
    tagged, private = [], []
    for a in anchors(html):
        if "ses:tags" in a:
            tagged.append(a)
        else:
            private.append(a)
    assert {a["ses:tags"] for a in tagged} == {f"story:{sid};" for sid in stories}
    assert all("ses:no-track" not in a for a in tagged)
    assert private and all("ses:no-track" in a for a in private)  # unsubscribe, preferences, web copy, contact
    hrefs = " ".join(str(a["href"]) for a in private)
    assert "unsubscribe.invalid" in hrefs and "preferences.invalid" in hrefs and "mailto:" in hrefs


def test_without_tracking_the_email_has_no_ses_attribute_and_tracking_only_adds_them(env, edition):
    off = render_edition(env, edition, Brand())
    on = render_edition(env, edition, Brand(), read_tracking=True)
    assert "ses:" not in off.email_html + off.silent_html
    stripped = re.sub(r' ses:(?:tags="[^"]*"|no-track="")', "", on.email_html)
    assert stripped != on.email_html and stripped == off.email_html
    assert (on.email_text, on.ssml) == (off.email_text, off.ssml)


# --- feedback -----------------------------------------------------------------------------------


def sample(name: str) -> dict:
    """The SES record inside one of the SNS-wrapped sample events."""
    event = json.loads((EVENTS / name).read_text())
    return json.loads(event["Records"][0]["Sns"]["Message"])


def feedback(reads: FakeReadCounts | None) -> tuple[Feedback, FakeLedger, FakeSubscriberStore]:
    ledger, subscribers = FakeLedger(), FakeSubscriberStore()
    return Feedback(subscribers=subscribers, ledger=ledger, clock=FakeClock(), read_counts=reads), ledger, subscribers


def test_an_open_counts_for_the_edition_and_records_no_reader():
    reads = FakeReadCounts()
    service, ledger, subscribers = feedback(reads)
    outcome = service.handle(sample("open.json"))
    assert (outcome.action, outcome.subscriber_id, outcome.edition, outcome.changed) == ("open", None, DAY, True)
    tally = reads.tally(DAY)
    assert (tally.opens, tally.clicks, tally.stories) == (1, 0, {})
    assert list(ledger.for_edition(DAY)) == [] and subscribers.subscribers == {}
    assert all("sub-" not in key for _, key in reads.counts)  # no reader id in any count


def test_opens_and_clicks_of_a_known_reader_change_neither_the_reader_nor_the_ledger():
    reads = FakeReadCounts()
    service, ledger, subscribers = feedback(reads)
    reader = "sub-d108b279434fe1d54ac0f1da"  # the subscriber tag of the samples
    subscribers.put(Subscriber(reader, "reader@example.com", ACTIVE))
    ledger.mark(DAY, reader, SENT, message_id="m-1", detail="delivered")
    before = (dict(subscribers.subscribers), list(ledger.for_edition(DAY)))
    for name in ("open.json", "click.json", "open.json"):
        assert service.handle(sample(name)).subscriber_id is None
    assert (dict(subscribers.subscribers), list(ledger.for_edition(DAY))) == before
    assert (reads.tally(DAY).opens, reads.tally(DAY).clicks) == (2, 1)


def test_a_click_counts_for_the_edition_and_its_story():
    reads = FakeReadCounts()
    service, _, _ = feedback(reads)
    for _ in range(3):
        service.handle(sample("click.json"))
    tally = reads.tally(DAY)
    assert (tally.opens, tally.clicks, tally.stories) == (0, 3, {"ap-5b1c0e7d2a9f4c3b8e61": 3})


def test_a_click_on_a_link_without_a_story_tag_counts_only_for_the_edition():
    reads = FakeReadCounts()
    service, _, _ = feedback(reads)
    record = sample("click.json")
    record["click"]["linkTags"] = {}
    assert service.handle(record).action == "click"
    assert (reads.tally(DAY).clicks, reads.tally(DAY).stories) == (1, {})


def test_test_copies_and_emails_without_an_edition_are_not_counted():
    reads = FakeReadCounts()
    service, _, _ = feedback(reads)
    test_copy = sample("click.json")
    test_copy["mail"]["tags"] = {"edition": [DAY], "kind": ["test"]}
    welcome = sample("open.json")
    welcome["mail"]["tags"] = {"subscriber": ["sub-1"]}
    broken = sample("open.json")
    del broken["open"]
    for record in (test_copy, welcome, broken, {"eventType": "Click"}):
        assert service.handle(record).action == "read-unmatched"
    assert reads.counts == {}


def test_without_a_counter_opens_are_acknowledged_and_nothing_fails():
    service, _, _ = feedback(None)
    assert service.handle(sample("open.json")).action == "read-uncounted"
