"""Read ``template.yaml`` (CloudFormation intrinsic tags included) for the local stack.

The template and the functions' code are package data of ``digest_tools`` (``digest_tools/project``):
in a checkout, links to the top-level ``template.yaml`` and ``functions/``; in an installed wheel,
copies of them. So ``digest demo`` and ``digest serve`` run the same definitions and handlers
inside a checkout and outside one.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

PROJECT = Path(str(resources.files("digest_tools") / "project"))


class _CfnLoader(yaml.SafeLoader):
    pass


def _intrinsic(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path | None = None) -> dict[str, Any]:
    """The parsed template, intrinsic functions as ``{"Ref": ...}`` / ``{"Fn::Sub": ...}`` dicts."""
    path = path or PROJECT / "template.yaml"
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
