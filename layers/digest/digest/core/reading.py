"""A report read once: its sentences and their features, worked out when a story version is
stored and kept with it, so that every edition build summarizing it (the scheduled one and each
rebuild an editor asks for) decodes them instead of reading the copy again.

A reading is stamped with the rules that made it (``READER``) and a digest of the body it was
made from: a reading whose stamp does not match the story it is carried by (older rules, an
earlier copy restored for a past edition, a body changed since) is ignored and the story is
read again, so a stale reading can never reach a summary.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

from digest.core.figures import Figure
from digest.core.sentences import Sentence, report_sentences
from digest.core.story import Story

READER = 1  # bump when sentences.py's rules change: stored readings made by older ones are ignored


def stamp(body: str) -> str:
    """What a reading of ``body`` is stamped with (the rules' version and the body's digest).

    >>> stamp("A quake hit.") == stamp("A quake hit."), stamp("A quake hit.") == stamp("A quake hit!")
    (True, False)
    """
    return f"{READER}.{hashlib.blake2b(body.encode('utf-8'), digest_size=8).hexdigest()}"


def with_reading(story: Story) -> Story:
    """``story`` carrying the reading of its body, as it is stored.

    >>> from datetime import datetime, UTC
    >>> s = with_reading(Story("a", "ap", "AP", "the AP", "a", "T", "A quake killed six. It hit Lima.", "", datetime(2026, 1, 1, tzinfo=UTC), "h"))
    >>> [(x.text, x.leans, [f.value for f in x.figures], sorted(x.keys)) for x in stored_sentences(s) or []]
    [('A quake killed six.', False, [6.0], ['6']), ('It hit Lima.', True, [], ['lima'])]
    """
    rows = []
    for s in report_sentences(story):
        content, keys = s.vocabulary()
        figures = [[f.kind, f.value, f.text] for f in s.figures]
        rows.append([s.text, int(s.leans), s.speaker, s.words, " ".join(content), " ".join(keys), figures])
    return replace(story, reading=json.dumps([stamp(story.body), rows], ensure_ascii=False, separators=(",", ":")))


class _Stored(Sentence):
    """A sentence decoded from a stored reading: its word sets are built when first asked for."""

    __slots__ = ("_said",)
    _said: tuple[str, str]  # its content words and its names and numbers, space-separated

    def _vocabulary_now(self) -> tuple[frozenset[str], frozenset[str]]:
        content, keys = self._said
        self._vocabulary = vocabulary = (frozenset(content.split()), frozenset(keys.split()))
        return vocabulary


def stored_sentences(story: Story) -> list[Sentence] | None:
    """The sentences of the reading ``story`` carries, or None when it carries none that matches
    its body (read it again: :func:`digest.core.sentences.report_sentences`).

    >>> from datetime import datetime, UTC
    >>> s = with_reading(Story("a", "ap", "AP", "the AP", "a", "T", "A quake hit Lima.", "", datetime(2026, 1, 1, tzinfo=UTC), "h"))
    >>> len(stored_sentences(s)), stored_sentences(replace(s, body="A storm hit Lima.")), stored_sentences(replace(s, reading=""))
    (1, None, None)
    """
    if not story.reading:
        return None
    try:
        made, rows = json.loads(story.reading)
    except ValueError:
        return None
    if made != stamp(story.body):
        return None
    out: list[Sentence] = []
    for index, (text, leans, speaker, words, content, keys, figures) in enumerate(rows):
        s = _Stored(
            text, story, index, tuple(Figure(*f) for f in figures) if figures else (), bool(leans), speaker, words
        )
        s._said = (content, keys)
        out.append(s)
    return out
