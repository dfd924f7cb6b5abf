"""Send (SQS): one email per recipient in each batch; partial batch failures are reported."""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from digest.observability import lambda_entry

metrics = Metrics()
# Report failed records (even all of them) instead of failing the invocation: SQS retries only those,
# and the redrive policy moves a message that keeps failing to the dead-letter queue.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class RetryLater(Exception):
    """Some recipients of the batch were throttled; SQS redelivers it and the ledger skips the rest."""


class SendingPaused(Exception):
    """An operator or a reputation alarm paused sending; SQS keeps the batch for later."""


def record_handler(record):
    from digest.bootstrap import container

    app = container()
    paused = app.sending_switch.paused()
    if paused:
        raise SendingPaused(paused)
    result = app.sender.send_message(record.body)
    metrics.add_metric(name="EmailsSent", unit=MetricUnit.Count, value=result.sent)
    metrics.add_metric(name="EmailsFailed", unit=MetricUnit.Count, value=result.failed)
    metrics.add_metric(name="OutcomesUnknown", unit=MetricUnit.Count, value=result.unknown)
    if result.paused:  # SES refuses all mail: the switch is paused with the reason; alert the editor
        metrics.add_metric(name="SendingPausedBySes", unit=MetricUnit.Count, value=1)
        raise SendingPaused(result.paused)
    if result.retry:
        raise RetryLater(f"{len(result.retry)} recipients throttled")
    return {"sent": result.sent, "skipped": result.skipped, "already": result.already}


@lambda_entry
def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
