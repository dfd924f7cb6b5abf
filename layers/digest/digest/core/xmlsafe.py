"""The texts an edition and its brand show, made XML-safe once per rendering.

The template environment replaces the characters XML forbids in every value it prints (its
``finalize``); an edition prints each of its texts in several templates, so :func:`safe_texts`
checks them once, in one pass, and the edition is rendered through :func:`verbatim`, the same
environment without that per-value filter.
"""

from __future__ import annotations

from dataclasses import replace
from operator import attrgetter
from typing import Any, TypeVar, cast
from weakref import WeakKeyDictionary

import jinja2

from digest.core.edition import SHOWN_FIELDS, Brand, Edition, EditionStory, Link
from digest.core.text import xml_safe

_T = TypeVar("_T", Edition, EditionStory, Brand, Link)
_SHOWN = attrgetter(*SHOWN_FIELDS)


def safe_texts(edition: Edition, brand: Brand) -> tuple[Edition, Brand]:
    """``edition`` and ``brand`` with the characters XML forbids replaced by spaces in every text
    they show (themselves when there are none, the usual case, found in one pass).

    >>> lead = EditionStory("a", "c", "Oil\x01 fell", "S.", ["AP"], [])
    >>> safe_texts(Edition("d", "l", "T", "en", "p", "https://x", None, lead), Brand())[0].lead.headline
    'Oil  fell'
    """
    if _printable(edition, brand):
        return edition, brand
    return _safe_fields(edition), _safe_fields(brand)


_VERBATIM: WeakKeyDictionary[jinja2.Environment, jinja2.Environment] = WeakKeyDictionary()


def verbatim(env: jinja2.Environment) -> jinja2.Environment:
    """``env`` without its per-value filter, for values made XML-safe already (one overlay per
    environment: its templates are compiled once)."""
    overlay = _VERBATIM.get(env)
    if overlay is None:
        overlay = _VERBATIM[env] = env.overlay(finalize=None)
    return overlay


def _printable(edition: Edition, brand: Brand) -> bool:
    """Is every text the edition and brand show printable (paragraph breaks aside)? Then it holds
    no character XML forbids (each is unprintable), and nothing needs replacing: read in one pass."""
    parts = [str(v) for k, v in vars(edition).items() if k not in ("lead", "stories")]
    parts += map(str, vars(brand).values())
    for story in edition.all_stories:
        for value in _SHOWN(story):
            if isinstance(value, str):
                parts.append(value)
            elif isinstance(value, list):
                parts += (v if isinstance(v, str) else f"{v.label}{v.url}" for v in value)
    return "".join(parts).replace("\n", " ").isprintable()


def _safe_fields(record: _T) -> _T:
    """``record`` with the characters XML forbids replaced in every text it shows (its lists and
    records too; an edition story's fields readers never see are left); itself when it has none.

    >>> _safe_fields(Link("Oil\x01 fell", "https://a")), _safe_fields(Brand()) == Brand()
    (Link(label='Oil  fell', url='https://a'), True)
    """
    names = SHOWN_FIELDS if isinstance(record, EditionStory) else vars(record)
    changed = {name: safe for name in names if (safe := _safe(getattr(record, name))) is not getattr(record, name)}
    return replace(record, **changed) if changed else record


def _safe(value: Any) -> Any:
    if isinstance(value, str):  # printable text (paragraph breaks aside) holds no forbidden character
        return value if value.isprintable() or value.replace("\n", " ").isprintable() else xml_safe(value)
    if isinstance(value, list):
        items = [_safe(item) for item in value]
        return items if any(a is not b for a, b in zip(items, value)) else value
    if isinstance(value, (Edition, EditionStory, Brand, Link)):
        return _safe_fields(cast(Any, value))
    return value
