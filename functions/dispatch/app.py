"""Dispatch (06:00 local, or on demand): queue the day's edition for every active subscriber."""

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
    day = app.day_from(event).isoformat()
    logger.append_keys(edition_date=day)
    # The schedule's trigger respects the send window; an editor's explicit send does not.
    scheduled = not (isinstance(event, dict) and event.get("trigger") == "editor")
    result = app.dispatch(day, scheduled=scheduled)
    metrics.add_metric(name="RecipientsQueued", unit=MetricUnit.Count, value=result.recipients)
    metrics.add_metric(name="EditionsDispatched", unit=MetricUnit.Count, value=int(result.messages > 0))
    return {"edition_date": day, "recipients": result.recipients, "messages": result.messages,
            "reason": result.reason, "variant": result.variant}
