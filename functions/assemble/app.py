"""Assemble (05:00 local, or on demand with {"edition_date": "YYYY-MM-DD"}): build the edition."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from digest.observability import lambda_entry

logger = Logger()
metrics = Metrics()


@lambda_entry
def handler(event, context):
    from digest.bootstrap import container
    from digest.events import edition_date

    app = container()
    day = edition_date(event, app.today())
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
