"""Confirm (SQS): send the confirmation emails the sign-up form queued, one per request.

A request SES throttled (or sending is paused) is reported as a failed batch item, so SQS hands
it back after its visibility timeout and it is sent then; a message that is not a request is
reported too, and reaches the dead-letter queue after the redrive policy's receives. The queue
is the buffer and the event source's MaximumConcurrency and batch size set the pace.
"""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from digest.observability import lambda_entry

metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record, lambda_context=None):
    from digest.bootstrap import container

    outcome = container().confirmations.handle(record.body)
    if outcome == "sent":
        metrics.add_metric(name="ConfirmationsSent", unit=MetricUnit.Count, value=1)
    return {"outcome": outcome}


@lambda_entry
def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
