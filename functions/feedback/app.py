"""Feedback (SNS, from the SES configuration set): bounces, complaints, deliveries, rejects."""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from digest.observability import lambda_entry

metrics = Metrics()


@lambda_entry
def handler(event, context):
    from digest.bootstrap import container
    from digest.events import sns_messages

    feedback = container().feedback
    actions: dict[str, int] = {}
    for message in sns_messages(event):
        outcome = feedback.handle(message)
        actions[outcome.action] = actions.get(outcome.action, 0) + 1
    for action, count in actions.items():
        metrics.add_metric(name=f"Feedback_{action.replace('-', '_')}", unit=MetricUnit.Count, value=count)
    return {"actions": actions}
