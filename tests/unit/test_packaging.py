"""How the project is packaged: one wheel with `digest` (shipped in the layer) and `digest_tools`.

The templates, ``template.yaml`` and ``functions/`` each have one source at the top level; the
packages reach them through links in a checkout and hold copies in a wheel and in the built layer
(tests/e2e/test_installed_wheel.py and test_built_artifacts.py check those two).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import digest
import digest_tools
from digest.config import TEMPLATES, Settings
from digest_tools.local.template import PROJECT

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def _pins(entries: list[str]) -> dict[str, str]:
    return {re.split(r"[\[=]", entry, maxsplit=1)[0].lower(): entry for entry in entries}


def test_dev_installs_every_pin_of_the_local_extra():
    extras = PYPROJECT["project"]["optional-dependencies"]
    local, dev = _pins(extras["local"]), _pins(extras["dev"])
    assert {"moto", "pyyaml"} <= set(local)
    assert {name: dev.get(name) for name in local} == local


def test_the_command_lives_in_the_tools_package():
    assert PYPROJECT["project"]["scripts"]["digest"] == "digest_tools.cli.main:main"
    assert not any((Path(digest.__file__).parent / name).exists() for name in ("cli", "local", "samples"))


def test_the_templates_are_digest_package_data_and_the_top_level_folder():
    assert TEMPLATES == Path(digest.__file__).parent / "templates"
    assert TEMPLATES.resolve() == (ROOT / "templates").resolve()
    assert (TEMPLATES / "email.html.j2").is_file()
    assert "templates/*.j2" in PYPROJECT["tool"]["setuptools"]["package-data"]["digest"]


def test_settings_take_the_packaged_templates_whatever_the_environment_says():
    env = {
        "STORIES_TABLE": "s",
        "EDITIONS_TABLE": "e",
        "SUBSCRIBERS_TABLE": "u",
        "LEDGER_TABLE": "l",
        "FEED_STATE_TABLE": "f",
        "AUDIT_TABLE": "a",
        "ARCHIVE_BUCKET": "b",
        "SEND_QUEUE_URL": "q",
        "SENDER": "a@b.c",
        "PUBLIC_BASE_URL": "https://x",
        "API_BASE_URL": "https://api",
        "TEMPLATE_DIR": "/opt/templates",
    }
    assert Settings.from_env(env).template_dir == TEMPLATES


def test_the_tools_reach_the_template_and_the_functions_as_package_data():
    assert PROJECT == Path(digest_tools.__file__).parent / "project"
    assert (PROJECT / "template.yaml").resolve() == (ROOT / "template.yaml").resolve()
    assert (PROJECT / "functions").resolve() == (ROOT / "functions").resolve()
    data = PYPROJECT["tool"]["setuptools"]["package-data"]["digest_tools"]
    assert {"project/template.yaml", "project/functions/*/*.py", "samples/**/*"} <= set(data)
