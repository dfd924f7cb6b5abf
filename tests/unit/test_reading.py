"""A story's reading, worked out when it is stored: summaries made from it are the summaries made
from the copy, and a reading that does not match the story's body is never used."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bench import editorial
from digest.core import reading
from digest.core.cluster import Cluster
from digest.core.reading import stored_sentences, with_reading
from digest.core.sentences import report_sentences
from digest.core.story import Story
from digest.core.summarizer import summarize_cluster

WHEN = datetime(2026, 11, 28, 6, tzinfo=UTC)
QUAKE = Story(
    "ap-1", "ap", "Associated Press", "the Associated Press", "g1", "Quake kills 6 in Peru",
    'LIMA (AP) \u2014 A strong earthquake killed six people in southern Peru on Friday. '
    '"We felt it for a minute," said Ana Ruiz, a teacher in Arequipa. It damaged 40 homes.',
    "https://ap/1", WHEN, "h1",
)  # fmt: skip


def features(sentences):
    return [(s.text, s.index, s.figures, s.leans, s.speaker, s.words, s.content, s.keys) for s in sentences]


def test_a_stored_reading_gives_the_sentences_reading_the_copy_gives():
    assert features(stored_sentences(with_reading(QUAKE))) == features(report_sentences(QUAKE))


@pytest.mark.parametrize("day", [editorial.sample_day, editorial.evaluation_day], ids=["sample", "evaluation"])
def test_summaries_from_stored_readings_are_the_summaries_from_the_copy(day):
    for c in day().clusters:
        read = Cluster([with_reading(s) for s in c.stories])
        assert summarize_cluster(read) == summarize_cluster(c), c.cluster_id


def test_a_reading_of_another_body_is_not_used():
    stored = with_reading(QUAKE)
    edited = replace(stored, body=stored.body.replace("six", "nine"))  # an earlier copy, or an edit
    assert stored_sentences(edited) is None
    assert "nine people" in summarize_cluster(Cluster([edited])).text


def test_a_reading_made_by_other_rules_or_unreadable_is_not_used(monkeypatch):
    stored = with_reading(QUAKE)
    assert stored_sentences(replace(stored, reading="garbage\x1esentence")) is None
    stamped = stored.reading.partition("\x1e")[0] + "\x1e"  # the right stamp, rows that do not read
    for rows in (
        "A quake hit.\x1f\x1f",
        "A quake hit.\x1f\x1f\x1fsix\x1f\x1f\x1f",
        "A.\x1f\x1f\x1f2\x1f\x1f\x1fdeaths",
    ):
        assert stored_sentences(replace(stored, reading=stamped + rows)) is None, rows
    monkeypatch.setattr(reading, "READER", reading.READER + 1)
    assert stored_sentences(stored) is None
