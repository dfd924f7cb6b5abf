"""Dispatch (06:00 local, or on demand): queue the day's edition for every active subscriber
whose hour has come; every 15 minutes (``{"trigger": "groups"}``), the reader groups whose hour came since."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from digest.observability import lambda_entry

logger = Logger()
metrics = Metrics()


@lambda_entry
def handler(event, context):
    from digest.bootstrap import container
    from digest.events import by_editor, edition_date

    app = container()
    day = edition_date(event, app.today()).isoformat()
    logger.append_keys(edition_date=day)
    # The schedule's trigger respects the send window; an editor's explicit send does not.
    scheduled = not by_editor(event)
    if isinstance(event, dict) and event.get("trigger") == "groups":  # every 15 minutes: groups whose hour came
        result = app.dispatch(day, scheduled=True, groups=True)
    else:
        result = app.dispatch(day, scheduled=scheduled)
    metrics.add_metric(name="RecipientsQueued", unit=MetricUnit.Count, value=result.recipients)
    metrics.add_metric(name="EditionsDispatched", unit=MetricUnit.Count, value=int(result.messages > 0))
    return {
        "edition_date": day,
        "recipients": result.recipients,
        "messages": result.messages,
        "reason": result.reason,
        "variant": result.variant,
    }
