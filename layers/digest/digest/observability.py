"""Tracing for handlers without paying for the X-Ray SDK at import time.

Powertools' ``Tracer`` imports aws-xray-sdk (and botocore) when it is created, roughly doubling a
handler's import time. ``traced`` builds the Tracer on the first invocation instead, and not at
all when tracing is disabled (``POWERTOOLS_TRACE_DISABLED``, as in tests and the local stack).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

Handler = Callable[[Any, Any], Any]


def traced(handler: Handler) -> Handler:
    """Wrap a Lambda handler with Powertools ``Tracer.capture_lambda_handler`` on first use."""
    wrapped: Handler | None = None

    @functools.wraps(handler)
    def run(event: Any, context: Any) -> Any:
        nonlocal wrapped
        if wrapped is None:
            if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("1", "true"):
                wrapped = handler
            else:
                from aws_lambda_powertools import Tracer

                wrapped = Tracer().capture_lambda_handler(handler)
        return wrapped(event, context)

    return run


def lambda_entry(handler: Handler) -> Handler:
    """The one decorator of every function: Powertools' Logger context (request id, cold start,
    state cleared per invocation), tracing built on first use, and metrics flushed after each call.

    Handlers add metrics with their own ``Metrics()``: Powertools' instances share one metric set.
    An invocation that adds none is normal (a notice with nothing to do), not worth a warning.
    """
    import warnings

    from aws_lambda_powertools import Logger, Metrics

    warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

    return Logger().inject_lambda_context(clear_state=True)(traced(Metrics().log_metrics(handler)))
