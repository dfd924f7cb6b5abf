"""The layers' dependencies resolve for the Lambda target named in template.yaml.

pip resolves ``layers/deps/requirements.txt`` for the template's runtime and architecture, binary
wheels only, without installing: a dependency with no wheel for the target fails here instead of
in ``sam build`` or, worse, at import time in Lambda. Needs the package index; skipped offline.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from digest.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
# Lambda's python3.11 runtime is Amazon Linux 2 (glibc 2.26): manylinux2014 (glibc 2.17) wheels run there.
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}


def test_runtime_dependencies_resolve_for_the_lambda_target(tmp_path):
    function = load_template()["Globals"]["Function"]
    runtime, (architecture,) = function["Runtime"], function["Architectures"]
    assert runtime.startswith("python3.")
    report = tmp_path / "report.json"
    command = [
        sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
        "--report", str(report), "--target", str(tmp_path / "target"),
        "--platform", PLATFORMS[architecture], "--python-version", runtime.removeprefix("python"),
        "--implementation", "cp", "--only-binary=:all:", "-r", str(ROOT / "layers/deps/requirements.txt"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0 and ("NewConnectionError" in result.stderr or "Network is unreachable" in result.stderr):
        pytest.skip("the package index is not reachable from here")
    assert result.returncode == 0, result.stderr[-2000:]
    installed = {item["metadata"]["name"].lower().replace("_", "-") for item in json.loads(report.read_text())["install"]}
    assert {"aws-lambda-powertools", "pynamodb", "jinja2", "css-inline", "nh3", "feedparser"} <= installed
