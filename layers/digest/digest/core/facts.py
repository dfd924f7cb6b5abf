"""Facts a text states, in forms that compare across wordings: numbers as values, names as written.

The fact guard (:mod:`digest.core.factguard`) asks what the reports say (:class:`Said`) and
whether a generated sentence says anything more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from digest.core.words import STOP_WORDS

_NUMBER_WORDS = dict(
    zip(
        "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety".split(),
        [*range(2, 21), *range(30, 100, 10)],
        strict=True,
    )
)
_NUMBER_WORDS["dozen"] = 12
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_PIECE = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?|[^\W\d_]+(?:-[^\W\d_]+)*")
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")


def numbers(text: str) -> set[Decimal]:
    """The numbers ``text`` states, as values (words and digits alike; "one" is left out: it is
    more often a pronoun than a figure).

    Examples
    --------
    >>> [format(v, ",f") for v in sorted(numbers("Six died, up from 4; $1.2 million and 1,500 homes."))]
    ['4', '6', '1,500', '1,200,000']
    """
    pieces = _PIECE.findall(text)
    found = set()
    for i, piece in enumerate(pieces):
        value = _value(piece)
        if value is None:
            continue
        scale = _SCALES.get(pieces[i + 1].lower()) if i + 1 < len(pieces) else None
        found.add((value * scale if scale else value).normalize())
    return found


def _value(piece: str) -> Decimal | None:
    if piece[0].isdigit():
        return Decimal(piece.replace(",", ""))
    parts = piece.lower().split("-")
    if len(parts) <= 2 and all(p in _NUMBER_WORDS for p in parts):
        return Decimal(sum(_NUMBER_WORDS[p] for p in parts))
    return None


def words(text: str) -> list[str]:
    """Words as written, without possessives; hyphenated words stay whole.

    Examples
    --------
    >>> words("Peru's no-confidence vote, Calado\u2019s fall")
    ['Peru', 'no-confidence', 'vote', 'Calado', 'fall']
    """
    out = []
    for token in _WORD.findall(text.replace("\u2019", "'")):
        token = token.rstrip("'-")
        out.append(token[:-2] if token.endswith("'s") else token)
    return out


def stems(tokens: Iterable[str]) -> set[str]:
    """Content words cut to five letters, so "killed" and "killing" meet.

    Examples
    --------
    >>> sorted(stems(["The", "quake", "killed", "six"]))
    ['kille', 'quake', 'six']
    """
    return {t.lower()[:5] for t in tokens if t.lower() not in STOP_WORDS and len(t) > 2}


def flat(text: str) -> str:
    """Lower case, no punctuation but apostrophes and hyphens, single spaces: what a verbatim
    quote is looked up in.

    Examples
    --------
    >>> flat("\u201cWe will rebuild,\u201d  she said.")
    'we will rebuild she said'
    """
    return " ".join(re.sub(r"[^\w'\s-]", " ", text.replace("\u2019", "'").lower()).split())


@dataclass
class Said:
    """What some reports say: words as written, words written in lower case, adjacent pairs,
    numbers, content stems and the flattened text.

    Examples
    --------
    >>> said = Said()
    >>> said.add("Prime Minister Rui Calado resigned.")
    >>> ("Rui", "Calado") in said.pairs, "resigned" in said.common, "calado" in said.common
    (True, True, False)
    """

    words: set[str] = field(default_factory=set)
    common: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str]] = field(default_factory=set)
    numbers: set[Decimal] = field(default_factory=set)
    stems: set[str] = field(default_factory=set)
    text: str = ""

    def add(self, text: str) -> None:
        tokens = words(text)
        self.words.update(tokens)
        self.common.update(t for t in tokens if t.islower())
        self.pairs.update(zip(tokens, tokens[1:], strict=False))
        self.numbers |= numbers(text)
        self.stems |= stems(tokens)
        self.text += " " + flat(text)
