"""Every ``>>>`` example in the package's docstrings runs, so the examples stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import digest
import digest_tools

MODULES = sorted(
    m.name
    for package in (digest, digest_tools)
    for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
)


def _with_examples() -> list[str]:
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        if any(test.examples for test in doctest.DocTestFinder().find(module)):
            found.append(name)
    return found


WITH_EXAMPLES = _with_examples()


def test_most_modules_show_an_example():
    assert len(WITH_EXAMPLES) >= 30, WITH_EXAMPLES


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
