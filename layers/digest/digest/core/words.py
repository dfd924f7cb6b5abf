"""Words: the one tokenizer, stop-word list and normal form that clustering and summaries share.

A word is a run of letters and digits, with numbers like 2,400, 7.1 or 4:42 and words like
"Peru's" kept whole; its normal form is lower case without accents or a trailing possessive.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

_TOKEN = re.compile(r"\w+(?:[.,:'\u2019-]\w+)*")
_POSSESSIVE = re.compile(r"'s$", re.MULTILINE)
_WORDS = re.compile(r"\w+")
_ASCII_WORDS = bytes(c if chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(128)) + b" " * 128
STOP_WORDS = frozenset(
    "a about after against all also an and are as at be been before but by can could did do does "
    "for from had has have he her him his how i if in into is it its just last may me more most "
    "my new no not now of on one only or other our out over said says she should since so some "
    "than that the their them then there these they this those through to two under up us was we "
    "were what when where which while who will with would year years you".split()
)


CALENDAR_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december".split()
)


@lru_cache(maxsize=1 << 16)
def normalize(word: str) -> str:
    """Lower-case ``word``, drop accents and a trailing possessive.

    Examples
    --------
    >>> normalize("Camaná's")
    'camana'
    """
    plain = word
    if not word.isascii():
        plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
        plain = plain.replace("\u2019", "'")
    plain = plain.lower()
    return plain[:-2] if plain.endswith("'s") else plain


def tokenize(text: str) -> list[tuple[str, str]]:
    """Words of ``text`` as ``(original, normalized)`` pairs; numbers like 2,400 or 4:42 stay whole.

    Examples
    --------
    >>> tokenize("Peru's 7.1 quake")
    [("Peru's", 'peru'), ('7.1', '7.1'), ('quake', 'quake')]
    """
    return list(zip(*words(text)))


def words(text: str) -> tuple[list[str], list[str]]:
    """The words of ``text`` (as :func:`tokenize` finds them) and their normalized forms.

    Examples
    --------
    >>> words("Peru's 7.1 quake")
    (["Peru's", '7.1', 'quake'], ['peru', '7.1', 'quake'])
    """
    found = _TOKEN.findall(text or "")
    joined = "\n".join(found)
    if not found or not joined.isascii():
        return found, list(map(normalize, found))
    return found, _POSSESSIVE.sub("", joined.lower()).split("\n")  # normalize, for all at once


def shingles(text: str, size: int = 2) -> set[str]:
    """Word ``size``-grams of the content words of ``text`` (stop words removed).

    A text with fewer content words than ``size`` gives its words as single shingles.

    Examples
    --------
    >>> sorted(shingles("The quake hit Lima on Friday"))
    ['hit lima', 'lima friday', 'quake hit']
    >>> shingles("")
    set()
    """
    return word_shingles(words(text)[1], size)


def word_shingles(words: Sequence[str], size: int = 2) -> set[str]:
    """Shingles of already normalized ``words``, stop words removed (see :func:`shingles`).

    Examples
    --------
    >>> sorted(word_shingles(["quake", "hit", "the", "coast"]))
    ['hit coast', 'quake hit']
    """
    content = [w for w in words if w not in STOP_WORDS]
    if len(content) < max(1, size):
        return set(content)
    return {" ".join(content[i : i + size]) for i in range(len(content) - size + 1)}


def word_set(text: str) -> frozenset[str]:
    """The distinct lower-case ``\\w+`` runs of ``text`` (a cheap set for overlap measures).

    Examples
    --------
    >>> sorted(word_set("Quake hits Lima; quake felt"))
    ['felt', 'hits', 'lima', 'quake']
    """
    if text.isascii():  # the \\w+ runs, found faster: every other character made a space
        return frozenset(text.lower().encode("ascii").translate(_ASCII_WORDS).decode("ascii").split())
    return frozenset(map(str.lower, _WORDS.findall(text)))
