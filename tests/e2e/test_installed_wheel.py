"""`pip install` of the project's wheel gives a working `digest demo` outside a checkout.

The wheel is built (``pip wheel --no-deps``) from a copy of the files the project's build reads,
so the build's own output (``build/``, ``*.egg-info``) never lands in the checkout. It is
installed with ``--no-deps`` into a fresh virtualenv that has no pip and no project; the locked
dependencies come from this test run's environment (installed from requirements.lock) through a
``.pth`` line naming its site-packages. A ``.pth`` line adds a folder without running the ``.pth``
files inside it, so the checkout's editable install stays out. The demo then runs from a
temporary folder, and every module of ours it loads must come from the new virtualenv.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What `pip wheel` reads: the project file, its readme, the package folder, and the top-level files
# the packages link to.
BUILD_INPUTS = ("pyproject.toml", "README.md", "layers/digest", "templates", "template.yaml", "functions")
DAY = "2026-11-28"
PROBE = (
    "import json, digest, digest_tools, digest.config as c; "
    "print(json.dumps([digest.__file__, digest_tools.__file__, str(c.TEMPLATES)]))"
)


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, **kwargs)
    assert result.returncode == 0, f"{command[:4]}: {(result.stdout + result.stderr)[-3000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in BUILD_INPUTS:
        path, target = ROOT / name, source / name
        if path.is_dir():
            shutil.copytree(path, target, symlinks=True, ignore=skip)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)])
    (found,) = out.glob("morning_digest-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("venv") / "env"
    _run([sys.executable, "-m", "venv", "--without-pip", str(folder)])
    python = folder / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)])
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "locked-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return folder


def _outside_env(folder: Path) -> dict[str, str]:
    """This process's environment without anything that points Python at the checkout."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith(("AWS_", "POWERTOOLS_"))}
    return {**env, "PATH": f"{folder / 'bin'}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"}


def test_the_wheel_holds_both_packages_with_their_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {f"digest/templates/{p.name}" for p in (ROOT / "templates").glob("*.j2")}
    assert templates and templates <= names
    assert {
        "digest_tools/project/template.yaml",
        "digest_tools/project/functions/send/app.py",
        "digest_tools/samples/subscribers.json",
        "digest_tools/samples/feeds/ap.xml",
        "digest_tools/cli/main.py",
        "digest_tools/local/stack.py",
        "digest/sources.json",
    } <= names
    assert not [n for n in names if n.startswith(("digest/cli/", "digest/local/", "digest/samples/"))]
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "digest = digest_tools.cli.main:main" in entry_points


def test_digest_demo_runs_from_the_installed_wheel_outside_the_checkout(venv, tmp_path):
    env, where = _outside_env(venv), tmp_path / "elsewhere"
    where.mkdir()
    loaded = json.loads(_run([str(venv / "bin/python"), "-c", PROBE], cwd=where, env=env).stdout)
    for path in loaded:
        assert Path(path).is_relative_to(venv) and not Path(path).resolve().is_relative_to(ROOT), loaded
    assert (Path(loaded[2]) / "email.html.j2").is_file() and not Path(loaded[2]).is_symlink()

    out = where / "edition"
    run = subprocess.run(
        [str(venv / "bin/digest"), "demo", "--out", str(out), "--date", DAY],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    assert str(out) in run.stdout
    for name in (
        "email.html",
        "email.txt",
        "index.html",
        "edition.ssml",
        "edition.mp3",
        "archive.html",
        "feed.atom",
        "podcast.xml",
    ):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert f"/{DAY}/edition.mp3" in (out / "email.html").read_text("utf-8")

    (installed,) = venv.glob("lib/python*/site-packages/digest_tools/samples/subscribers.json")
    samples = json.loads(installed.read_text("utf-8"))
    sent = sorted(out.joinpath("emails").glob("*.eml"))
    assert len(sent) == len(samples) >= 3
    recipients = set()
    for path in sent:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        recipients.add(message["To"].addresses[0].addr_spec)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert recipients == {entry["email"] for entry in samples}


def test_the_installed_tools_find_the_template_and_every_function_handler(venv, tmp_path):
    probe = (
        "import json\n"
        "from digest_tools.local.template import PROJECT, load_template\n"
        "from digest_tools.local.bridge import load_handler\n"
        "functions = {k: v['Properties']['CodeUri'] for k, v in load_template()['Resources'].items()\n"
        "             if v['Type'] == 'AWS::Serverless::Function'}\n"
        "handlers = {k: callable(load_handler(PROJECT / uri)) for k, uri in functions.items()}\n"
        "print(json.dumps([str(PROJECT), handlers]))\n"
    )
    project, handlers = json.loads(
        _run([str(venv / "bin/python"), "-c", probe], cwd=tmp_path, env=_outside_env(venv)).stdout
    )
    assert Path(project).is_relative_to(venv) and not Path(project, "template.yaml").is_symlink()
    assert len(handlers) >= 6 and all(handlers.values()), handlers
