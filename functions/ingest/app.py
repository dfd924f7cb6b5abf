"""Ingest (every 15 minutes): fetch the due wire feeds and store new and changed stories."""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from digest.observability import lambda_entry

metrics = Metrics()


@lambda_entry
def handler(event, context):
    from digest.bootstrap import container

    app = container()
    force = bool(isinstance(event, dict) and event.get("force"))
    report, rebuilt = app.ingest(force=force)
    metrics.add_metric(name="StoriesSeen", unit=MetricUnit.Count, value=report.seen)
    metrics.add_metric(name="StoriesStored", unit=MetricUnit.Count, value=report.stored)
    metrics.add_metric(name="StoriesWithdrawn", unit=MetricUnit.Count, value=len(report.withdrawn))
    metrics.add_metric(name="FeedProblems", unit=MetricUnit.Count, value=len(report.problems))
    for outcome in report.outcomes:
        metrics.add_metric(name=f"Sources_{outcome.outcome.replace('-', '_')}", unit=MetricUnit.Count, value=1)
    return {
        "seen": report.seen,
        "stored": report.stored,
        "withdrawn": report.withdrawn,
        "rebuilt": rebuilt,
        "sources": {o.source: o.outcome for o in report.outcomes},
        "problems": [{"source": p.source, "kind": p.kind, "detail": p.detail} for p in report.problems],
    }
