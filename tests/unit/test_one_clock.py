"""Time is an input: nothing reads the wall clock except the one system clock.

Every ``datetime.now()``, ``date.today()``, ``time.time()`` (and their kin) in the package and the
functions is a hidden input that makes behaviour depend on the hour a test runs. Only
``digest/adapters/clock.py`` may read it; everything else is handed a clock.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {ROOT / "layers/digest/digest/adapters/clock.py"}
WALL_CLOCK = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("time", "ctime"),
    ("time", "asctime"),
    ("time", "strftime"),
}


def wall_clock_reads(source: str) -> list[str]:
    """``name.attr(...)`` calls that read the wall clock, by line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if (name, node.func.attr) in WALL_CLOCK:
                found.append(f"line {node.lineno}: {name}.{node.func.attr}()")
    return found


def test_the_check_finds_a_wall_clock_read():
    assert wall_clock_reads("import datetime\nx = datetime.datetime.now()") == ["line 2: datetime.now()"]
    assert wall_clock_reads("from datetime import date\nd = date.today()") == ["line 2: date.today()"]
    assert wall_clock_reads("import time\nt = time.time()") == ["line 2: time.time()"]
    assert wall_clock_reads("import time\nt = time.monotonic()") == []


def test_only_the_system_clock_reads_the_wall_clock():
    files = [*ROOT.joinpath("layers").rglob("*.py"), *ROOT.joinpath("functions").rglob("*.py")]
    assert len(files) > 50
    offenders = {
        str(path.relative_to(ROOT)): reads
        for path in files
        if path not in ALLOWED
        for reads in [wall_clock_reads(path.read_text("utf-8"))]
        if reads
    }
    assert offenders == {}, "read the injected clock instead"
