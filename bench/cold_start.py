"""Cold start as a user waits for it: the built handler's import and its first invocation.

Each measurement is a fresh interpreter started as Lambda's would be for our code: ``-S -I`` (no
site-packages, no virtualenv, no PYTHON* variables) with only the artifacts of `sam build` for
this machine's architecture on ``sys.path`` (the function folder, then the digest and deps layers,
as /opt/python is in Lambda; the templates are package data in the digest layer). The child times,
with perf_counter, everything from the first import of our code to the return of the handler's first
invocation (one of the function's own events/ against a moto server, so the boto3 clients and the
Powertools utilities are built for real).

Two variants of the same build: as shipped (every module has unchecked-hash bytecode), and a copy
with every ``__pycache__`` removed, run with ``-B`` so nothing is written back: what a read-only
/opt without bytecode costs at every cold start. Each is divided by ``import boto3`` from the
shipped deps layer in the same kind of interpreter, in the same run. Best of N runs.
``python -m bench cold_start`` (``--quick``: 3 runs instead of 7).
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import row

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_PYTHON = os.environ.get("LAMBDA_PYTHON", "3.11")
HOST = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
BUILD_DIR = ".aws-sam/host/build"
WIDTHS = (32, 12, 8, 12, 8)
# One cheap, real path per function measured: each builds the clients it needs on its first call.
CASES = [
    ("send", "batch.json"),
    ("public", "subscribe-post.json"),
    ("editor", "status-get.json"),
    ("guard", "bounce-rate-ok.json"),
]

CHILD = r"""
import json, sys, time
request = json.loads(sys.argv[1])
sys.path[:0] = request["path"]
start = time.perf_counter()
if request["function"]:
    from types import SimpleNamespace
    from digest import bootstrap
    from digest.adapters.clock import FixedClock, parse_instant
    from digest.config import Settings
    bootstrap.use(bootstrap.Container(Settings.from_env(), FixedClock(parse_instant(request["now"]))))
    import app
    imported = time.perf_counter()
    context = SimpleNamespace(function_name="bench", memory_limit_in_mb=512, aws_request_id="bench",
                              invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:bench",
                              get_remaining_time_in_millis=lambda: 60_000)
    app.handler(request["event"], context)
else:
    import boto3
    imported = time.perf_counter()
print(json.dumps([imported - start, time.perf_counter() - imported]))
"""


def build_for_host(scratch: Path) -> tuple[Path, Path]:
    """`make build` for this machine's architecture (SAM's cache makes a repeat cheap).

    Returns private copies, as built and without any ``__pycache__``: another run in the same
    checkout may rebuild the folder while this one measures.
    """
    command = [
        "make",
        "--no-print-directory",
        "build",
        f"ARCHITECTURE={HOST}",
        f"BUILD_DIR={BUILD_DIR}",
        f"LAMBDA_PYTHON={LAMBDA_PYTHON}",
    ]
    (ROOT / ".aws-sam").mkdir(exist_ok=True)
    with open(ROOT / ".aws-sam/tests.lock", "w") as lock:  # the lock tests/e2e holds while it builds
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"cold_start: the host build failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        shutil.copytree(ROOT / BUILD_DIR, scratch / "shipped")
        shutil.copytree(ROOT / BUILD_DIR, scratch / "bare", ignore=shutil.ignore_patterns("__pycache__"))
    return scratch / "shipped", scratch / "bare"


def _python() -> str:
    found = shutil.which(f"python{LAMBDA_PYTHON}")
    if not found:
        sys.exit(f"cold_start: python{LAMBDA_PYTHON} (the Lambda runtime's version) is not on PATH")
    return subprocess.run(
        [found, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _time(python: str, build: Path, env: dict[str, str], function: str, event: dict, repeat: int) -> tuple:
    """Best of ``repeat`` (import, first call) seconds; ``function`` "" times ``import boto3``."""
    code = [p for p in build.iterdir() if p.name.lower() == f"{function}function"]
    request = {
        "function": function,
        "event": event,
        "now": "2026-11-28T11:00:00+00:00",
        "path": [str(p) for p in code] + [str(build / "DigestLayer/python"), str(build / "DepsLayer/python")],
    }
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [python, "-S", "-I", "-B", "-c", CHILD, json.dumps(request)], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            sys.exit(f"cold_start: {function or 'boto3'} failed:\n{done.stderr[-3000:]}")
        runs.append(tuple(json.loads(done.stdout.strip().splitlines()[-1])))
    return min(runs, key=sum)


def layer_sizes(build: Path) -> list[str]:
    """``du`` of each built layer (the size Lambda's 250 MB unzipped limit counts)."""
    lines = []
    for layer in sorted(p for p in build.iterdir() if p.name.endswith("Layer")):
        size = subprocess.run(["du", "-sk", str(layer)], capture_output=True, text=True, check=True).stdout.split()[0]
        lines.append(row(layer.name, f"{int(size) / 1024:.1f} MiB"))
    return lines


def main(argv: list[str] | None = None) -> None:
    repeat = 3 if "--quick" in (argv or []) else 7
    from digest_tools.local.stack import LocalStack

    python = _python()
    stack, scratch = LocalStack(), tempfile.TemporaryDirectory()
    build, bare = build_for_host(Path(scratch.name))
    stack.start()
    try:
        env = {
            **stack.create_resources(),
            "AWS_ENDPOINT_URL": stack.endpoint,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_SERVICE_NAME": "bench",
            "POWERTOOLS_METRICS_NAMESPACE": "Bench",
            "PATH": "/usr/bin:/bin",
        }
        floor = sum(_time(python, build, env, "", {}, repeat))
        print(
            f"cold start: built handler import + first invocation vs `import boto3` (fresh `python{LAMBDA_PYTHON}"
            f" -S -I`, only the {HOST} build on sys.path, best of {repeat} runs)"
        )
        print(row("", "with .pyc", "ratio", "no .pyc", "ratio", widths=WIDTHS))
        print(
            row(
                "import boto3 (floor)",
                f"{floor:.3f}",
                "1.00",
                f"{sum(_time(python, bare, env, '', {}, repeat)):.3f}",
                "",
                widths=WIDTHS,
            )
        )
        for function, name in CASES:
            event = json.loads((ROOT / "events" / function / name).read_text("utf-8"))
            shipped = _time(python, build, env, function, event, repeat)
            stripped = _time(python, bare, env, function, event, repeat)
            print(
                row(
                    f"{function} ({name})",
                    f"{sum(shipped):.3f}",
                    f"{sum(shipped) / floor:.2f}",
                    f"{sum(stripped):.3f}",
                    f"{sum(stripped) / floor:.2f}",
                    widths=WIDTHS,
                )
            )
            print(row("  of which import", f"{shipped[0]:.3f}", "", f"{stripped[0]:.3f}", "", widths=WIDTHS))
    finally:
        stack.stop()
        scratch.cleanup()
    arm = ROOT / ".aws-sam/build"
    if arm.is_dir():
        print("built layer sizes (`make build`, the template's architecture):")
        print("\n".join(layer_sizes(arm)))


if __name__ == "__main__":
    main(sys.argv[1:])
