"""Feedback (SNS, from the SES configuration set): bounces, complaints, deliveries, rejects."""

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
    from digest.services.feedback import sns_messages

    feedback = container().feedback
    actions: dict[str, int] = {}
    for message in sns_messages(event):
        outcome = feedback.handle(message)
        actions[outcome.action] = actions.get(outcome.action, 0) + 1
    for action, count in actions.items():
        metrics.add_metric(name=f"Feedback_{action.replace('-', '_')}", unit=MetricUnit.Count, value=count)
    return {"actions": actions}
