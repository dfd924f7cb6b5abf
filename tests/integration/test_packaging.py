"""The layers' dependencies install on the Lambda target named in template.yaml.

Every runtime dependency (transitive ones included) is resolved with pip, without installing;
each one that ships compiled code must have a wheel for the template's runtime and architecture
on Lambda's glibc, and each source-only one must be known pure Python (``sam build`` builds
those). A dependency with no wheel for the target fails here instead of in ``sam build`` or,
worse, at import time in Lambda. Needs the package index; skipped when it is unreachable.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from digest.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
# Lambda's python3.11 runtime runs on Amazon Linux 2 (glibc 2.26): any manylinux tag up to 2_26.
GLIBC = ["2_5", "2_12", "2_17", "2_24", "2_26"]
ARCH = {"x86_64": "x86_64", "arm64": "aarch64"}
PURE_SDISTS = {"feedgen"}  # published as source only; pure Python
OFFLINE = ("NewConnectionError", "Network is unreachable", "Temporary failure in name resolution")


def _pip(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=600)
    if result.returncode != 0 and any(marker in result.stderr for marker in OFFLINE):
        pytest.skip("the package index is not reachable from here")
    return result


def test_runtime_dependencies_have_wheels_for_the_lambda_target(tmp_path):
    function = load_template()["Globals"]["Function"]
    runtime, (architecture,) = function["Runtime"], function["Architectures"]
    report = tmp_path / "report.json"
    resolved = _pip("install", "--dry-run", "--quiet", "--ignore-installed", "--report", str(report),
                    "-r", str(ROOT / "layers/deps/requirements.txt"))
    assert resolved.returncode == 0, resolved.stderr[-2000:]
    platforms = [f"--platform=manylinux_{glibc}_{ARCH[architecture]}" for glibc in GLIBC]
    problems = []
    for item in json.loads(report.read_text())["install"]:
        name, version = item["metadata"]["name"], item["metadata"]["version"]
        artifact = item["download_info"]["url"].rsplit("/", 1)[-1]
        if artifact.endswith("-none-any.whl"):
            continue
        if not artifact.endswith(".whl"):
            if name.lower() not in PURE_SDISTS:
                problems.append(f"{name} {version} is source-only and not known to be pure Python")
            continue
        wheel = _pip("download", "--quiet", "--no-deps", "--only-binary=:all:", *platforms,
                     "--python-version", runtime.removeprefix("python"), "--implementation", "cp",
                     "--dest", str(tmp_path / "wheels"), f"{name}=={version}")
        if wheel.returncode != 0:
            problems.append(f"{name} {version} has no wheel for {runtime} on {architecture} (glibc <= 2.26)")
    assert not problems, "\n".join(problems)
