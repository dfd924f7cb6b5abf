"""How the editor commands print their replies for people (``--json`` prints the replies as they are)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def short_actor(arn: str, width: int = 46) -> str:
    """An IAM caller as a person reads it: the name part, or the ARN shortened in the middle.

    Examples
    --------
    >>> short_actor("arn:aws:sts::123456789012:assumed-role/NewsroomEditors/maria.lopez@news.example.org")
    'NewsroomEditors/maria.lopez@news.example.org'
    >>> short_actor("arn:aws:iam::123456789012:user/ed", 20)
    'user/ed'
    >>> short_actor("x" * 30, 11)
    'xxxxx…xxxxx'
    """
    name = arn.split(":", 5)[5] if arn.startswith("arn:") and arn.count(":") >= 5 else arn
    if name.startswith("assumed-role/"):
        name = name[len("assumed-role/") :]
    if len(name) <= width:
        return name
    half = (width - 1) // 2
    return name[:half] + "…" + name[-(width - 1 - half) :]


def local_time(iso: str, zone: str) -> str:
    """An audit time in the newsroom's zone, to the second.

    Examples
    --------
    >>> local_time("2026-12-02T00:38:12.123456+00:00", "America/New_York")
    '2026-12-01 19:38:12 EST'
    >>> local_time("not a time", "UTC")
    'not a time'
    """
    try:
        when = datetime.fromisoformat(iso).astimezone(ZoneInfo(zone))
    except ValueError:
        return iso
    return f"{when:%Y-%m-%d %H:%M:%S} {when.tzname()}"


def audit_table(reply: dict[str, Any]) -> None:
    zone = reply.get("timezone") or "UTC"
    print(f"{'when':<25}{'who':<48}{'action':<16}{'v':<4}outcome")
    for e in reply["entries"]:
        who = short_actor(e["actor"])
        print(
            f"{local_time(e['at'], zone):<25}{who:<48}{e['action']:<16}{e['version']:<4}{e['outcome']} {e['detail'][:80]}"
        )


def status_table(s: dict[str, Any]) -> None:
    print(f"edition {s['edition_date']}: {s['status']} (version {s['version']}, audio {s['audio']})")
    if s.get("reason"):
        print(f"  reason: {s['reason']}")
    print(f"  allowed next: {', '.join(s['allowed']) or 'nothing'}")
    if s.get("variant"):
        print(f"  a send now uses: {s['variant']}")
    print(f"  {'version':<9}{'status':<10}{'stories':<9}created")
    for v in s["versions"]:
        print(f"  {v['version']:<9}{v['status']:<10}{v['stories']:<9}{v['created_at']}")
    changes = s.get("diff") or {}
    if changes:
        print("  changes in the latest version:", json.dumps(changes, ensure_ascii=False)[:300])
    d = s["delivery"]
    print("  delivery: " + ", ".join(f"{k} {v}" for k, v in d.items()))
    if s.get("groups"):
        print(f"  {'reader group':<34}{'due (UTC)':<19}{'due (local)':<24}{'state':<9}{'queued':<8}sent")
        for g in s["groups"]:
            due = g["due_at"][:16].replace("T", " ")
            print(f"  {g['group']:<34}{due:<19}{g['due_local']:<24}{g['state']:<9}{g['queued']:<8}{g['sent']}")
    if s.get("stories"):
        print()
        stories_table(s, details=True)


def stories_table(reply: dict[str, Any], details: bool = False) -> None:
    """One line per story (position, id, state, agencies, headline); with ``details`` its sources and notes."""
    if reply.get("title"):
        print(f"title: {reply['title']}")
    print(f"  {'#':<3}{'id':<28}{'state':<12}{'agencies':<28}headline")
    for row in reply["stories"]:
        place = row.get("position") or "-"
        agencies = ", ".join(row.get("agencies") or [])[:26]
        state = row["state"] + ("*" if row.get("edited") else "")
        print(f"  {place!s:<3}{row['id']:<28}{state:<12}{agencies:<28}{row['headline'][:70]}")
        if details:
            for n, source in enumerate(row.get("sources") or [], start=1):
                print(f"       {n}. {_source(source)}")
            for note in row.get("notes") or []:
                print(f"       note: {note if isinstance(note, str) else json.dumps(note, ensure_ascii=False)}")
    if any(r.get("edited") for r in reply["stories"]):
        print("  * edited by an editor")


def _source(source: Any) -> str:
    """A summary sentence's source: 'story id #index (agency): sentence', read defensively.

    Examples
    --------
    >>> _source({"sentence": "Six died.", "story_id": "ap-1", "index": 0, "agency": "AP"})
    'ap-1 #0 (AP): Six died.'
    """
    if not isinstance(source, dict):
        return str(source)
    story = source.get("story_id") or source.get("story") or "?"
    index = source.get("index", source.get("sentence_index", "?"))
    agency, text = source.get("agency"), str(source.get("sentence") or "")
    where = f"{story} #{index}" + (f" ({agency})" if agency else "")
    return f"{where}: {text[:60]}" + ("…" if len(text) > 60 else "")
