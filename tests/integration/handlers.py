"""Load the Lambda entry points the way the runtime does (``app.handler`` in each function folder)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType, SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]


def load_handler(function: str) -> ModuleType:
    path = ROOT / "functions" / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"function_{function}_app", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(function: str, name: str) -> dict:
    return json.loads((ROOT / "events" / function / name).read_text("utf-8"))


def context(function: str) -> SimpleNamespace:
    return SimpleNamespace(
        function_name=f"morning-digest-{function}",
        memory_limit_in_mb=512,
        aws_request_id="req-1",
        invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:morning-digest-{function}",
        get_remaining_time_in_millis=lambda: 60_000,
    )


def invoke(function: str, event_payload: dict):
    return load_handler(function).handler(event_payload, context(function))
