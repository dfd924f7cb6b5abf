"""Assemble (05:00 local, or on demand with {"edition_date": "YYYY-MM-DD"}): build the edition."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from digest.observability import traced

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context(clear_state=True)
@traced
@metrics.log_metrics
def handler(event, context):
    from digest.bootstrap import container
    app = container()
    day = app.day_from(event)
    logger.append_keys(edition_date=day.isoformat())
    result = app.assemble(day)
    metrics.add_metric(name="EditionsBuilt", unit=MetricUnit.Count, value=int(result.created))
    record = result.record
    return {
        "edition_date": day.isoformat(),
        "created": result.created,
        "version": record.version if record else None,
        "status": record.status if record else "none",
        "stories": record.story_count if record else 0,
        "reason": result.reason,
    }
