"""A report read once: its sentences and their features, worked out when a story version is
stored and kept with it, so that every edition build summarizing it (the scheduled one and each
rebuild an editor asks for) decodes them instead of reading the copy again.

A reading is stamped with the rules that made it (``READER``) and the copy it was made from (the
story's content hash and a CRC of its body): a reading whose stamp does not match the story it is
carried by (older rules, an earlier copy restored for a past edition, a body changed since) is
ignored and the story is read again, so a stale reading can never reach a summary.

It is stored as text: the stamp, then every sentence's seven fields in a row, split by the ASCII
separators (decoded with one ``str.split``, several times faster than JSON); a report whose text
holds one of them (XML forbids them: wire copy does not) is stored without a reading.
"""

from __future__ import annotations

import zlib
from dataclasses import replace

from digest.core.figures import Figure
from digest.core.sentences import Sentence, report_sentences
from digest.core.story import Story

READER = 3  # bump when sentences.py's rules change: stored readings made by older ones are ignored
_RECORD, _FIELD, _FIGURE, _PART = "\x1e", "\x1f", "\x1d", "\x1c"  # ASCII's separators
_FIELDS = 7  # of a sentence: text, leans, speaker, words, content words, names and numbers, figures
_SEPARATORS = (_RECORD, _FIELD, _FIGURE, _PART)  # each sought as a substring: faster than a walk per character


def stamp(story: Story) -> str:
    """What a reading of ``story`` is stamped with: the rules' version and its copy's identity.

    >>> from datetime import datetime, UTC
    >>> s = Story("a", "ap", "AP", "the AP", "a", "T", "A quake hit.", "", datetime(2026, 1, 1, tzinfo=UTC), "h")
    >>> stamp(s) == stamp(replace(s)), stamp(s) == stamp(replace(s, body="A Quake hit."))
    (True, False)
    """
    return f"{READER}.{story.content_hash}.{zlib.crc32(story.body.encode('utf-8')):x}"


def with_reading(story: Story) -> Story:
    """``story`` carrying the reading of its body, as it is stored.

    >>> from datetime import datetime, UTC
    >>> s = with_reading(Story("a", "ap", "AP", "the AP", "a", "T", "A quake killed six. It hit Lima.", "", datetime(2026, 1, 1, tzinfo=UTC), "h"))
    >>> [(x.text, x.leans, [f.value for f in x.figures], sorted(x.keys)) for x in stored_sentences(s) or []]
    [('A quake killed six.', False, [6.0], ['6']), ('It hit Lima.', True, [], ['lima'])]
    >>> with_reading(replace(s, body="A quake\x1f hit.")).reading
    ''
    """
    if any(sep in story.body for sep in _SEPARATORS):  # every field but the stamp comes from the body
        return replace(story, reading="")
    fields: list[str] = []
    for s in report_sentences(story):
        content, keys = s.vocabulary()
        figures = _PART.join(f"{f.kind}{_FIGURE}{f.value!r}{_FIGURE}{f.text}" for f in s.figures)
        fields += (s.text, "1" if s.leans else "", s.speaker, str(s.words), " ".join(content), " ".join(keys), figures)
    return replace(story, reading=stamp(story) + _RECORD + _FIELD.join(fields))


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
    made, _, rows = story.reading.partition(_RECORD)
    if made != stamp(story):  # none, or another copy's
        return None
    fields = rows.split(_FIELD) if rows else []
    if len(fields) % _FIELDS:
        return None  # cut short: read the copy again
    out: list[Sentence] = []
    row = iter(fields)
    try:
        for index, (text, leans, speaker, words, content, keys, figures) in enumerate(zip(*(row,) * _FIELDS)):
            found = tuple(_figure(f) for f in figures.split(_PART)) if figures else ()
            s = _Stored(text, story, index, found, bool(leans), speaker, int(words))
            s._said = (content, keys)
            out.append(s)
    except ValueError:  # a field that does not read as it was written
        return None
    return out


def _figure(text: str) -> Figure:
    kind, value, words = text.split(_FIGURE)
    return Figure(kind, float(value), words)
