"""Run the benchmarks: ``python -m bench`` (all), ``python -m bench ingest edition``, ``--quick`` for short runs."""

from __future__ import annotations

import importlib
import inspect
import sys

ALL = [
    "cold_start",
    "ingest",
    "edition",
    "delivery",
    "dispatch",
    "pacing",
    "faults",
    "faults_ingest",
    "editorial",
    "signup_timing",
    "subscriber_list",
]

flags = [a for a in sys.argv[1:] if a.startswith("--")]
for name in [a for a in sys.argv[1:] if not a.startswith("--")] or ALL:
    main = importlib.import_module(f"bench.{name}").main
    if "argv" in inspect.signature(main).parameters:
        main(flags)
    else:
        main()
    print()
