"""Send (SQS): one email per recipient in each batch; waiting work is parked, partial failures reported."""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from digest.observability import lambda_entry

metrics = Metrics()
# Report failed records (even all of them) instead of failing the invocation: SQS retries only those,
# and the redrive policy moves a message that keeps failing to the dead-letter queue. Work that only
# has to wait (a pause, a throttle, the end of the invocation's time) is parked instead (see
# digest.services.send_queue), so waiting never counts toward the dead-letter queue.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class RetryLater(Exception):
    """Some recipients of the batch must be tried again and could not be parked: SQS redelivers it."""


class SendingPaused(Exception):
    """An operator, a reputation alarm or SES paused sending and the batch could not be parked."""


def record_handler(record, lambda_context=None):
    from digest.bootstrap import container
    from digest.services.send_queue import KEPT, SendQueueWorker

    app = container()
    worker = SendQueueWorker(app.sender, app.sending_switch, app.send_parking)
    time_left = None
    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        time_left = lambda: lambda_context.get_remaining_time_in_millis() / 1000  # noqa: E731
    handled = worker.handle(record.body, time_left)
    result = handled.result
    metrics.add_metric(name="EmailsSent", unit=MetricUnit.Count, value=result.sent)
    metrics.add_metric(name="EmailsFailed", unit=MetricUnit.Count, value=result.failed)
    metrics.add_metric(name="OutcomesUnknown", unit=MetricUnit.Count, value=result.unknown)
    if result.paused:  # SES refuses all mail: the switch is paused with the reason; alert the editor
        metrics.add_metric(name="SendingPausedBySes", unit=MetricUnit.Count, value=1)
    if handled.outcome == KEPT:
        raise SendingPaused(handled.reason) if handled.paused else RetryLater(handled.reason)
    return {"sent": result.sent, "skipped": result.skipped, "already": result.already, "outcome": handled.outcome}


@lambda_entry
def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
