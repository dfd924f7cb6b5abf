"""Cold start: each handler module's import time against ``import boto3`` alone.

Each measurement is a fresh interpreter (``python -X importtime`` would add overhead, so we time
the import inside the child with perf_counter); best of N runs. Goal: each handler within 1.5x.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.common import row

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").is_file())

CHILD = """
import sys, time, importlib.util
start = time.perf_counter()
{body}
print(time.perf_counter() - start)
"""


def _time(body: str, repeat: int) -> float:
    code = CHILD.format(body=body)
    env = {"POWERTOOLS_TRACE_DISABLED": "1", "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    runs = [float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                                 capture_output=True, text=True).stdout) for _ in range(repeat)]
    return min(runs)


def handler_import(name: str) -> str:
    return (f"spec = importlib.util.spec_from_file_location('app', 'functions/{name}/app.py')\n"
            "spec.loader.exec_module(importlib.util.module_from_spec(spec))")


def main(repeat: int = 7) -> None:
    floor = _time("import boto3", repeat)
    print("cold start: handler module import vs `import boto3` (fresh interpreter, best of", repeat, "runs)")
    print(row("module", "seconds", "ratio"))
    print(row("import boto3 (floor)", f"{floor:.3f}", "1.00"))
    for name in FUNCTIONS:
        took = _time(handler_import(name), repeat)
        print(row(f"functions/{name}", f"{took:.3f}", f"{took / floor:.2f}"))
    first_use = _time(handler_import("send") + "\nimport boto3", repeat)
    print(row("send + boto3 (first call)", f"{first_use:.3f}", f"{first_use / floor:.2f}"))


if __name__ == "__main__":
    main()
