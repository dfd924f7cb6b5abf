"""Attribution: datelines stripped, the agency named in the running text, and one report's credited summary."""

from __future__ import annotations

import re

from digest.core.story import Story
from digest.core.text import sentences, word_count

# "GENEVA (AP) — ", "Geneva (AFP) - ", "LONDON, Nov 27 (Reuters) - "
# A dateline names a place, then the agency in parentheses: only known wire agencies count, so a
# lede such as "The World Health Organization (WHO) \u2014 ..." keeps its subject.
_AGENCIES = r"AP|AFP|Reuters|dpa|DPA|ANSA|EFE|Kyodo|Xinhua|UPI|PA|CP|AAP|ANP|Bloomberg|[A-Z][a-z]+ Wire|[A-Z][a-z]+wire"
_DATELINE = re.compile(
    r"^[A-Z][\w .,'\u2019-]{1,60}(?:\s*\([^()]{1,30}\))?\s*\((?:" + _AGENCIES + r")\)\s*[-\u2013\u2014]+\s*"
)


def strip_dateline(text: str) -> str:
    """Remove a wire dateline from the start of a story.

    Examples
    --------
    >>> strip_dateline("GENEVA (AP) \u2014 Talks resumed.")
    'Talks resumed.'
    >>> strip_dateline("Ruka (Finland) (AFP) - Snow fell.")
    'Snow fell.'
    """
    return _DATELINE.sub("", text, count=1)


def attribute(sentence: str, attribution: str, verb: str = "reported") -> str:
    """Name the agency in a sentence the way a wire digest does.

    Examples
    --------
    >>> attribute("Talks resumed on Friday.", "the Associated Press")
    'Talks resumed on Friday, the Associated Press reported.'
    >>> attribute('He said: "No."', "Reuters")
    'He said: "No.", Reuters reported.'
    """
    return f"{_without_period(sentence)}, {attribution} {verb}."


def according_to(sentence: str, attribution: str) -> str:
    """Name the agency with "according to", the alternative to :func:`attribute`.

    Examples
    --------
    >>> according_to("Nine people died.", "Agence France-Presse")
    'Nine people died, according to Agence France-Presse.'
    """
    return f"{_without_period(sentence)}, according to {attribution}."


def _without_period(sentence: str) -> str:
    body = sentence.rstrip()
    if body.endswith(".") and not body.endswith(".."):
        body = body[:-1]
    return body


def summarize(story: Story, max_words: int = 90) -> str:
    """A summary of whole sentences from ``story`` (up to ``max_words``), attributed to its agency.

    The first sentence always survives, however long; later ones are added while they fit.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> s = Story("id", "ap", "Associated Press", "the Associated Press", "g", "T",
    ...           "PARIS (AP) \u2014 Rain fell. Streets flooded.", "u",
    ...           datetime(2026, 1, 1, tzinfo=timezone.utc), "h")
    >>> summarize(s)
    'Rain fell, the Associated Press reported. Streets flooded.'
    """
    chosen: list[str] = []
    for sentence in dict.fromkeys(sentences(strip_dateline(story.body))):  # wire copy may repeat its lede
        if chosen and word_count(" ".join(chosen + [sentence])) > max_words:
            break
        chosen.append(sentence)
    if not chosen:
        return attribute(story.title, story.attribution)
    chosen[0] = attribute(chosen[0], story.attribution)
    return " ".join(chosen)
