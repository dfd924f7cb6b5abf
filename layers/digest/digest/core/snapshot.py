"""Edition snapshots: the built edition as JSON, stored with each version so later builds can diff."""

from __future__ import annotations

import json
from typing import Any

from digest.core.edition import Edition, EditionStory, Link, edition_dict


def edition_to_json(edition: Edition) -> str:
    return json.dumps(edition_dict(edition), sort_keys=True)  # ASCII: escaped in C, stored without re-encoding


def edition_from_json(text: str | bytes) -> Edition:
    """Read a snapshot back.

    Examples
    --------
    >>> lead = EditionStory("story-1", "c1", "H", "S", ["AP"], [Link("AP", "https://a")])
    >>> e = Edition("2026-11-28", "d", "t", "en", "p", "https://x", None, lead)
    >>> edition_from_json(edition_to_json(e)) == e
    True
    """
    data = json.loads(text)

    def story(raw: dict[str, Any]) -> EditionStory:
        return EditionStory(**{**raw, "links": [Link(**link) for link in raw.get("links", [])]})

    return Edition(**{**data, "lead": story(data["lead"]), "stories": [story(s) for s in data.get("stories", [])]})
