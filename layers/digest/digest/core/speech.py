"""SSML for audio chapters: split a script at its marks, read Polly speech marks, price Polly.

Pure: stdlib only. Odd input gives empty or conservative results, never an exception
(``polly_cost`` with an unknown engine is the one deliberate bug guard).
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from html import unescape
from typing import NamedTuple

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

INTRO = "intro"

# Limits of one StartSpeechSynthesisTask (AWS Polly quotas): billed characters and all characters.
POLLY_ASYNC_LIMIT = 100_000
POLLY_ASYNC_TOTAL_LIMIT = 200_000

# USD per million billed characters (AWS Polly pricing, https://aws.amazon.com/polly/pricing/).
POLLY_PRICE_PER_MILLION = {"standard": 4.00, "neural": 16.00, "long-form": 100.00, "generative": 30.00}

_TAG = re.compile(r"<[^<>]*>")


class Segment(NamedTuple):
    """A self-contained ``<speak>`` document and the anchor (mark name, or ``"intro"``) it starts at."""

    anchor: str
    ssml: str


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse(ssml: str) -> ET.Element | None:
    """The ``<speak>`` root, or None for unparsable input, DTDs/entities, or another root."""
    if not isinstance(ssml, str):
        return None
    try:
        root = safe_xml.fromstring(ssml, forbid_dtd=True)
    except (ET.ParseError, ValueError, DefusedXmlException):
        return None
    return root if _local(root.tag) == "speak" else None


def _serialize(attrib: dict[str, str], namespace: str, text: str | None, children: list[ET.Element]) -> str:
    speak = ET.Element("speak", attrib)
    if namespace:  # declared as the default namespace again, not as an ``ns0:`` prefix
        speak.set("xmlns", namespace)
    speak.text = text
    speak.extend(children)
    return ET.tostring(speak, encoding="unicode")


def split_ssml(ssml: str) -> list[Segment]:
    """Split an SSML document at its top-level ``<mark name="..."/>`` elements.

    The content before the first mark is the ``"intro"`` segment (left out when it holds no
    element and only whitespace); each mark starts a segment named after it and keeps the mark.
    Content after the last story (the sign-off) stays in the last mark's segment: Polly's speech
    marks only know the marks too, so local and Polly chapters agree that the last chapter runs
    to the end. Marks nested inside ``<p>`` or ``<s>`` do not split. Every segment is re-serialized
    by ElementTree, so it is well-formed and its text keeps its escaping. Unparsable input, a root
    other than ``<speak>``, or any ``<!DOCTYPE``/``<!ENTITY`` gives ``[]``.

    Returns
    -------
    list[Segment]
        ``(anchor, ssml)`` pairs in document order.

    Examples
    --------
    >>> parts = split_ssml('<speak><p>Hi</p><mark name="story-1"/><p>A &amp; B</p></speak>')
    >>> [p.anchor for p in parts]
    ['intro', 'story-1']
    >>> parts[1].ssml
    '<speak><mark name="story-1" /><p>A &amp; B</p></speak>'
    >>> split_ssml('<!DOCTYPE speak><speak/>')
    []
    """
    root = _parse(ssml)
    if root is None:
        return []
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    for element in root.iter() if namespace else ():  # _serialize declares it as the default
        if isinstance(element.tag, str) and element.tag.startswith(f"{{{namespace}}}"):
            element.tag = _local(element.tag)
    groups: list[tuple[str, str | None, list[ET.Element]]] = [(INTRO, root.text, [])]
    for child in root:
        if child.tag == "mark":
            groups.append((child.get("name") or f"mark-{len(groups)}", None, []))
        groups[-1][2].append(child)
    _, text, children = groups[0]
    if not children and not (text or "").strip():
        groups.pop(0)
    return [Segment(a, _serialize(dict(root.attrib), namespace, t, c)) for a, t, c in groups]


def first_sentence(ssml: str) -> str:
    """Text of the first ``<s>`` element of an SSML document (a story's headline), whitespace
    collapsed; ``""`` when there is none or the document does not parse.

    Examples
    --------
    >>> first_sentence('<speak><mark name="story-1"/><p><s> AT&amp;T   buys </s><s>Body.</s></p></speak>')
    'AT&T buys'
    """
    root = _parse(ssml)
    for element in root.iter() if root is not None else ():
        if _local(element.tag) == "s":
            return " ".join("".join(element.itertext()).split())
    return ""


def chapters_from_marks(lines: str | bytes) -> list[tuple[str, float]]:
    """Chapter starts from Polly speech marks (JSON Lines): ``ssml`` marks only, in time order.

    Sentence, word, viseme marks and lines that are not a well-formed mark are skipped.

    Examples
    --------
    >>> chapters_from_marks('{"time":0,"type":"sentence","value":"Hi."}\\n'
    ...                     'oops\\n'
    ...                     '{"time":2500,"type":"ssml","start":40,"end":63,"value":"story-1"}')
    [('story-1', 2.5)]
    """
    if isinstance(lines, (bytes, bytearray)):
        lines = bytes(lines).decode("utf-8", errors="replace")
    if not isinstance(lines, str):
        return []
    marks: list[tuple[str, float]] = []
    for line in lines.splitlines():
        try:
            mark = json.loads(line)
        except ValueError:
            continue
        if not isinstance(mark, dict) or mark.get("type") != "ssml":
            continue
        time, value = mark.get("time"), mark.get("value")
        if isinstance(time, bool) or not isinstance(time, (int, float)) or not isinstance(value, str):
            continue
        if math.isfinite(time) and time >= 0:
            marks.append((value, time / 1000))
    return sorted(marks, key=lambda m: m[1])


def billed_characters(ssml: str) -> int:
    """Characters Polly bills for ``ssml``: its text content with entities unescaped, tags excluded.

    Whitespace between elements counts (an upper bound). Input that is not well-formed XML is
    counted by stripping anything tag-like and unescaping entities.

    Examples
    --------
    >>> billed_characters('<speak><p>AT&amp;T</p><break time="1s"/></speak>')
    4
    """
    root = _parse(ssml)
    if root is None:
        return len(unescape(_TAG.sub("", ssml))) if isinstance(ssml, str) else 0
    return sum(len(text) for text in root.itertext())


def polly_cost(characters: int, engine: str) -> float:
    """US dollars Polly charges for ``characters`` billed characters with ``engine``.

    Raises ``ValueError`` for an engine without a known price (a bug, not data).
    Negative counts cost nothing.

    Examples
    --------
    >>> polly_cost(1_000_000, "neural")
    16.0
    >>> round(polly_cost(12_345, "standard"), 4)
    0.0494
    """
    try:
        price = POLLY_PRICE_PER_MILLION[engine]
    except KeyError:
        raise ValueError(f"no Polly price for engine {engine!r}") from None
    return max(characters, 0) * price / 1_000_000


def fits_one_task(ssml: str) -> bool:
    """Whether one ``StartSpeechSynthesisTask`` accepts ``ssml`` (billed and total character limits).

    Examples
    --------
    >>> fits_one_task("<speak>" + "a" * 100_000 + "</speak>")
    True
    >>> fits_one_task("<speak>" + "a" * 100_001 + "</speak>")
    False
    """
    return billed_characters(ssml) <= POLLY_ASYNC_LIMIT and len(ssml) <= POLLY_ASYNC_TOTAL_LIMIT
