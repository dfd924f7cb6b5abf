"""The artifacts `sam build` makes, not the source tree: what Lambda would run.

The template's architecture (arm64) cannot load here, so the same commit is built a second time
for this machine's architecture into its own folder; both builds must ship the same files apart
from compiled extensions. Each handler then runs as Lambda runs it: a fresh interpreter without
site-packages or the virtualenv (``-S -I``), with only the built function folder and the built
layers on ``sys.path`` (/opt/python in Lambda; the templates are the digest layer's package data),
talking to the moto server over HTTP. `make test` builds first; here `make build` finds its cache.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_project_checks import read_pins

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_PYTHON = os.environ.get("LAMBDA_PYTHON", "3.11")
HOST = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
DAY = "2026-11-28"
ASSEMBLY = "2026-11-28T10:00:00+00:00"  # 05:00 in New York on the sample news day
SENDING = "2026-11-28T11:00:00+00:00"  # 06:00: the send schedule's window
READERS = ["ada@example.com", "ben@example.org", "cy@example.edu"]
# Without espeak-ng and lame (scripts/system-deps.sh installs them) the narrator writes a placeholder.
AUDIO = "ready" if shutil.which("espeak-ng") and shutil.which("lame") else "placeholder"

pytestmark = pytest.mark.built

# Runs in the child: the function's own folder and the layers first, the clock pinned, then the
# handler imported as Lambda imports it (module ``app``) and called with each event.
CHILD = r"""
import json, sys
request = json.loads(sys.argv[1])
sys.path[:0] = request["path"]
from types import SimpleNamespace
from digest import bootstrap
from digest.adapters.clock import FixedClock, parse_instant
from digest.config import TEMPLATES, Settings
bootstrap.use(bootstrap.Container(Settings.from_env(), FixedClock(parse_instant(request["now"]))))
import app
name = request["function"]
context = SimpleNamespace(function_name="morning-digest-" + name, memory_limit_in_mb=512, aws_request_id="req-1",
                          invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:morning-digest-" + name,
                          get_remaining_time_in_millis=lambda: 60_000)
results = [app.handler(event, context) for event in request["events"]]
loaded = {m.__name__: getattr(m, "__file__", None) or "" for m in list(sys.modules.values())}
with open(request["out"], "w") as out:
    json.dump({"results": results, "loaded": loaded, "path": sys.path, "templates": str(TEMPLATES)}, out, default=str)
"""


def _make_build(architecture: str, build_dir: str) -> None:
    command = [
        "make",
        "--no-print-directory",
        "build",
        f"ARCHITECTURE={architecture}",
        f"BUILD_DIR={build_dir}",
        f"LAMBDA_PYTHON={LAMBDA_PYTHON}",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


@pytest.fixture(scope="module")
def builds() -> Iterator[dict[str, Path]]:
    """The template's build (arm64) and this machine's, from the same commit.

    Held under a lock while this module runs: another test run in the same checkout would rebuild
    the folders under it.
    """
    if not (ROOT / ".tools/sam/bin/sam").exists():
        pytest.skip("SAM CLI is not installed here: `make test` installs it into .tools/sam")
    (ROOT / ".aws-sam").mkdir(exist_ok=True)
    with open(ROOT / ".aws-sam/tests.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _make_build("arm64", ".aws-sam/build")
        _make_build(HOST, ".aws-sam/host/build")
        yield {"arm64": ROOT / ".aws-sam/build", "host": ROOT / ".aws-sam/host/build"}


@pytest.fixture(scope="session")
def lambda_python() -> str:
    """The runtime's interpreter (the one the layers were compiled with), as a real path."""
    found = shutil.which(f"python{LAMBDA_PYTHON}")
    assert found, f"python{LAMBDA_PYTHON} is needed to run the built handlers"
    return subprocess.run(
        [found, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _shipped(layer: Path) -> set[str]:
    """Files a layer ships, minus those that name the architecture (extensions, wheel tags)."""
    names = set()
    for path in layer.rglob("*"):
        relative = path.relative_to(layer).as_posix()
        if path.is_dir() or ".so" in path.name or ".libs/" in relative:
            continue
        names.add(relative)
    return names


def test_both_architectures_ship_the_same_files_apart_from_compiled_extensions(builds):
    for artifact in sorted(p.name for p in builds["arm64"].iterdir() if p.is_dir()):
        arm, host = builds["arm64"] / artifact, builds["host"] / artifact
        assert _shipped(arm) == _shipped(host), artifact
        assert any(arm.rglob("*aarch64*.so")) == (artifact == "DepsLayer")
    wheel_tags = [p.read_text() for p in (builds["arm64"] / "DepsLayer/python").glob("*.dist-info/WHEEL")]
    assert not any("x86_64" in tags for tags in wheel_tags), "an x86_64 wheel in the arm64 build"


def test_the_built_deps_layer_holds_exactly_the_locked_dependency_set(builds):
    locked = {name: version for name, (version, _) in read_pins(ROOT / "requirements.lock").items()}
    layer = read_pins(ROOT / "layers/deps/requirements.txt")
    expected = {name: locked[name] for name in layer}
    for build in builds.values():
        found = {}
        for dist_info in (build / "DepsLayer/python").glob("*.dist-info"):
            fields = dict(
                line.split(": ", 1)
                for line in (dist_info / "METADATA").read_text("utf-8").splitlines()
                if ": " in line and not line.startswith(" ")
            )
            found[fields["Name"].lower().replace("_", "-").replace(".", "-")] = fields["Version"]
        assert found == expected


def test_the_layers_ship_unchecked_hash_bytecode_for_every_module(builds):
    tag = f"cpython-{LAMBDA_PYTHON.replace('.', '')}"
    for build in builds.values():
        for layer in ("DepsLayer", "DigestLayer"):
            sources = list((build / layer).rglob("*.py"))
            assert len(sources) > 10
            missing, checked = [], []
            for source in sources:
                compiled = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
                if not compiled.is_file():
                    missing.append(str(source.relative_to(build)))
                elif int.from_bytes(compiled.read_bytes()[4:8], "little") != 0b01:  # PEP 552: hash, unchecked
                    checked.append(str(compiled.relative_to(build)))
            assert not missing, f"{len(missing)} modules without bytecode, e.g. {missing[:5]}"
            assert not checked, f"{len(checked)} .pyc files Lambda would find stale, e.g. {checked[:5]}"


def test_the_digest_layer_ships_the_package_with_its_templates_and_no_tools(builds):
    templates = {p.name: p.read_bytes() for p in (ROOT / "templates").glob("*.j2")}
    assert len(templates) >= 5
    for build in builds.values():
        python = build / "DigestLayer/python"
        assert sorted(p.name for p in python.iterdir()) == ["digest"], "only the digest package is shipped"
        for tools in ("cli", "local", "samples"):
            assert not (python / "digest" / tools).exists(), f"digest/{tools} is not shipped"
        shipped = {p.name: p.read_bytes() for p in (python / "digest/templates").glob("*.j2")}
        assert shipped == templates, "the layer holds the top-level templates/, as files"
        assert not [p for p in python.rglob("*") if p.is_symlink()], "no links in the layer"
    assert not (builds["arm64"] / "TemplatesLayer").exists(), "the templates need no layer of their own"


class Built:
    """Runs built handlers, each in its own fresh interpreter, against the moto server."""

    def __init__(self, build: Path, python: str, env: dict[str, str], tmp: Path) -> None:
        self.build, self.python, self.env, self.tmp = build, python, env, tmp

    def __call__(self, function: str, *events: dict, now: str = ASSEMBLY) -> list:
        code = next(p for p in self.build.iterdir() if p.name.lower() == f"{function}function")
        out = self.tmp / f"{function}-{len(list(self.tmp.iterdir()))}.json"
        request = {
            "function": function,
            "now": now,
            "events": list(events),
            "out": str(out),
            "path": [str(code), str(self.build / "DigestLayer/python"), str(self.build / "DepsLayer/python")],
        }
        result = subprocess.run(
            [self.python, "-S", "-I", "-B", "-c", CHILD, json.dumps(request)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"{function}: {result.stderr[-3000:]}"
        report = json.loads(out.read_text())
        assert not any("site-packages" in entry for entry in report["path"]), report["path"]
        assert report["loaded"]["app"].startswith(str(self.build)), report["loaded"]["app"]
        assert report["templates"] == str(self.build / "DigestLayer/python/digest/templates"), report["templates"]
        outside = {
            name: path
            for name, path in report["loaded"].items()
            if path.startswith(str(ROOT)) and not path.startswith(str(self.build))
        }
        assert not outside, f"{function} imported modules from outside the build: {outside}"
        return report["results"]


@pytest.fixture
def built(builds, lambda_python, app, stack, sources_file, tmp_path) -> Built:
    (tmp_path / "runs").mkdir()
    env = {
        **stack.env,
        "AWS_ENDPOINT_URL": stack.endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "SOURCES_FILE": str(sources_file),
        "ALLOW_LOOPBACK_FETCH": "1",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_SERVICE_NAME": "built",
        "POWERTOOLS_METRICS_NAMESPACE": "MorningDigestTests",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        # moto has no Polly speech-synthesis tasks: the local narrator (espeak-ng and lame) makes the MP3.
        "NARRATOR": "espeak",
    }
    return Built(builds["host"], lambda_python, env, tmp_path / "runs")


def event(function: str, name: str) -> dict:
    return json.loads((ROOT / "events" / function / name).read_text("utf-8"))


def _queued_batches(app) -> dict:
    """The queued send batches as the SQS event source hands them to the send function."""
    template, records = event("send", "batch.json")["Records"][0], []
    while (
        reply := app.client("sqs")
        .receive_message(QueueUrl=app.settings.send_queue_url, MaxNumberOfMessages=10)
        .get("Messages")
    ):
        records += [
            {**template, "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]}
            for m in reply
        ]
    return {"Records": records}


def test_the_whole_morning_runs_through_the_built_handlers(built, app, stack):
    from digest.core.subscriber import ACTIVE, Subscriber

    for address in READERS:
        app.subscribers.put(Subscriber(app.subscriber_ids.of(address), address, ACTIVE, "paid"))
    (ingested,) = built("ingest", event("ingest", "scheduled.json"))
    assert ingested["sources"] == {"ap": "fetched", "afp": "fetched", "reuters": "fetched"}
    assert ingested["stored"] >= 25 and not ingested["problems"]
    (assembled,) = built("assemble", event("assemble", "scheduled.json"))
    assert assembled["edition_date"] == DAY and assembled["stories"] >= 5
    (narrated,) = built("narrate", event("narrate", "manual.json"))
    assert narrated["audio_status"] == AUDIO
    (dispatched,) = built("dispatch", event("dispatch", "scheduled.json"), now=SENDING)
    assert (dispatched["edition_date"], dispatched["recipients"]) == (DAY, len(READERS))
    batches = _queued_batches(app)
    assert len(batches["Records"]) == dispatched["messages"]
    assert built("send", batches, now=SENDING) == [{"batchItemFailures": []}]
    assert sorted(m["destinations"][0] for m in stack.sent_emails()) == sorted(READERS)
    assert app.editions.latest(DAY).status == "sent"


def test_every_built_handler_answers_its_own_events(built, app, stack):
    (ingested,) = built("ingest", event("ingest", "manual-force.json"))
    assert ingested["stored"] >= 25
    (assembled,) = built("assemble", event("assemble", "manual.json"))
    assert assembled["edition_date"] == DAY and assembled["created"] is True
    (status, held) = built("editor", event("editor", "status-get.json"), event("editor", "hold-post.json"))
    assert json.loads(status["body"])["status"] == "draft" and held["statusCode"] == 200
    (subscribed,) = built("public", event("public", "subscribe-post.json"))
    assert subscribed["statusCode"] == 202 and "Check your inbox" in subscribed["body"]
    assert [m["destinations"][0] for m in stack.sent_emails()] == ["new.reader@example.com"]  # the confirmation
    (failed,) = built("audio", event("audio", "task-failed.json"))
    assert failed == {"results": ["failed"]}
    assert built("feedback", event("feedback", "delivery.json")) == [{"actions": {"delivered": 1}}]
    assert built("guard", event("guard", "bounce-rate-ok.json")) == [{"actions": ["ignored"]}]
    (trials,) = built("trials", event("trials", "scheduled.json"))
    assert (trials["reminded"], trials["lapsed"]) == (0, 0)
    (narrated,) = built("narrate", event("narrate", "scheduled.json"))
    (queued,) = built("dispatch", event("dispatch", "manual.json"), now=SENDING)
    (batch,) = built("send", event("send", "batch.json"), now=SENDING)
    assert narrated["audio_status"] == AUDIO
    assert queued["recipients"] == 0 and "cannot send a held edition" in queued["reason"]
    assert batch == {"batchItemFailures": []}
