"""Run every benchmark: ``python -m bench`` (or one: ``python -m bench cold_start``)."""

from __future__ import annotations

import importlib
import sys

ALL = ["cold_start", "ingest", "edition"]

for name in sys.argv[1:] or ALL:
    importlib.import_module(f"bench.{name}").main()
    print()
