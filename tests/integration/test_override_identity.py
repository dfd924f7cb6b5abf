"""An editor's override keeps applying when a report with a lower story id joins the story's cluster
(the cluster's id is its smallest member story id, so it changes then). On the local stack."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

from digest.core.edition import version_key
from digest.core.overrides import Overrides
from digest.services.assemble import overrides_key
from tests.integration.stories import stories_for

DAY = date(2026, 11, 28)
ISO = DAY.isoformat()
BRIDGE = f"s-{ISO}-0"  # "Harbour bridge reopens": the AP report, alone in its cluster at first
RATES = f"s-{ISO}-1"


def edit(app, story_id: str, **changes) -> None:
    stored = Overrides.from_json(app.blobs.get(overrides_key(ISO))).with_edit(story_id, **changes)
    app.blobs.put(overrides_key(ISO), stored.to_json().encode(), "application/json")


def stories_of(app) -> list[dict]:
    latest = app.editions.latest(ISO)
    edition = json.loads(app.blobs.get(version_key(ISO, latest.version, "edition.json")))
    return [edition["lead"], *edition["stories"]]


def lower_id_report_joins(app, story_id: str, new_id: str) -> None:
    """AFP files the same story a few minutes later, under an id that sorts first."""
    story = app.stories.get(story_id)
    twin = replace(
        story,
        story_id=new_id,
        source="afp",
        agency="Agence France-Presse",
        attribution="AFP",
        guid=f"g-{new_id}",
        url=f"https://afp.example/{new_id}",
        published=story.published + timedelta(minutes=5),
    )
    app.stories.save(twin)


def test_an_edit_survives_a_lower_id_report_joining_the_cluster(app):
    stories_for(app, DAY, app.settings.edition_timezone)
    app.assemble(DAY)
    edit(app, BRIDGE, headline="Bridge open again after repairs")
    edit(app, RATES, drop=True)
    app.assemble(DAY, by_editor=True)
    assert "Bridge open again after repairs" in [s["headline"] for s in stories_of(app)]
    lower_id_report_joins(app, BRIDGE, "a-0")
    lower_id_report_joins(app, RATES, "a-1")
    result = app.assemble(DAY)
    assert result.created
    stories = stories_of(app)
    bridge = next(s for s in stories if BRIDGE in s["story_ids"])
    assert bridge["cluster_id"] == "a-0" and bridge["headline"] == "Bridge open again after repairs"
    assert not any(RATES in s["story_ids"] for s in stories), "the dropped story came back"
