"""Ingest (every 15 minutes): fetch the wire feeds and store new stories."""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    from digest.bootstrap import container
    from digest.services.ingest import ingest

    app = container()
    report = ingest(app.sources(), app.fetcher, app.stories, app.clock)
    metrics.add_metric(name="StoriesSeen", unit=MetricUnit.Count, value=report.seen)
    metrics.add_metric(name="StoriesStored", unit=MetricUnit.Count, value=report.stored)
    metrics.add_metric(name="FeedProblems", unit=MetricUnit.Count, value=len(report.problems))
    failed = [o.source for o in report.outcomes if o.outcome == "failed"]
    metrics.add_metric(name="SourcesFailed", unit=MetricUnit.Count, value=len(failed))
    return {
        "seen": report.seen,
        "stored": report.stored,
        "sources": {o.source: o.outcome for o in report.outcomes},
        "problems": [{"source": p.source, "kind": p.kind, "detail": p.detail} for p in report.problems],
    }
