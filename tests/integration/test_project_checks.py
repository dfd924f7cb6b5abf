"""Project-level checks: the SAM template lints, import contracts hold, pins agree, handlers stay lean."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_template_is_cfn_lint_clean():
    result = _run(str(BIN / "cfn-lint"), "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_passes():
    sam = ROOT / ".tools/sam/bin/sam"
    if not sam.exists():
        pytest.skip("SAM CLI is not installed here: `make test` installs it into .tools/sam")
    result = subprocess.run(
        [str(sam), "validate", "--lint", "--region", "us-east-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )
    assert result.returncode == 0 and "is a valid SAM Template" in result.stdout, result.stdout + result.stderr


def test_import_contracts_hold():
    result = _run(str(BIN / "lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """``{name: (version, hashes)}`` of a hashed requirements file (``uv pip compile`` output)."""
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", path.read_text("utf-8")):
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)", entry)
        if match:
            pins[_normal(match[1])] = (match[2], frozenset(re.findall(r"--hash=(sha256:[0-9a-f]{64})", entry)))
    return pins


def test_layer_requirements_are_the_locks_runtime_part_and_hold_every_project_pin():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock, layer = read_pins(ROOT / "requirements.lock"), read_pins(ROOT / "layers/deps/requirements.txt")
    assert layer and all(hashes for _, hashes in layer.values()), "every layer requirement is hashed"
    assert all(hashes for _, hashes in lock.values()), "every locked package is hashed"
    drift = {name: (pin, lock.get(name)) for name, pin in layer.items() if lock.get(name) != pin}
    assert not drift, f"layer requirements differ from requirements.lock (run `make lock`): {drift}"

    def declared(pins: list[str]) -> dict[str, str]:
        found = [re.fullmatch(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)", pin) for pin in pins]
        assert all(found), f"every declared dependency is pinned with ==: {pins}"
        return {_normal(m[1]): m[2] for m in found}

    runtime, dev = declared(project["dependencies"]), declared(project["optional-dependencies"]["dev"])
    assert {n: v for n, (v, _) in layer.items() if n in runtime} == runtime, "pyproject pins missing from the layer"
    assert {n: v for n, (v, _) in lock.items() if n in {**runtime, **dev}} == {**runtime, **dev}, (
        "pyproject pins missing from requirements.lock (run `make lock`)"
    )


def test_every_function_in_the_template_has_a_handler_and_events():
    from digest_tools.local.template import load_template

    resources = load_template()["Resources"]
    functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    assert len(functions) >= 6
    for logical_id, function in functions.items():
        code = ROOT / function["Properties"]["CodeUri"]
        assert (code / "app.py").is_file(), f"{logical_id} has no {code}/app.py"
        assert function["Properties"]["Handler"] == "app.handler"
        assert list((ROOT / "events" / code.name).glob("*.json")), f"no events/{code.name}/*.json"


def test_importing_core_or_a_handler_does_not_import_boto3_or_xray():
    probe = (
        "import sys, importlib.util, pathlib\n"
        "import digest.core.feeds, digest.core.render, digest.core.message\n"
        "assert 'boto3' not in sys.modules, 'core imported boto3'\n"
        "for name in sorted(p.name for p in pathlib.Path('functions').iterdir() if (p / 'app.py').exists()):\n"
        "    path = pathlib.Path('functions') / name / 'app.py'\n"
        "    spec = importlib.util.spec_from_file_location(name, path)\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "    assert 'boto3' not in sys.modules, name + ' imported boto3 at module level'\n"
        "    assert 'aws_xray_sdk' not in sys.modules, name + ' imported the X-Ray SDK at module level'\n"
    )
    result = _run(sys.executable, "-c", probe)
    assert result.returncode == 0, result.stderr
