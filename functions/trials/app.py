"""Trials (daily): remind subscribers whose free trial ends soon; lapse those whose trial ended."""

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
    report = app.run_trials(app.day_from(event))
    metrics.add_metric(name="TrialReminders", unit=MetricUnit.Count, value=report.reminded)
    metrics.add_metric(name="TrialsLapsed", unit=MetricUnit.Count, value=report.lapsed)
    return {"reminded": report.reminded, "lapsed": report.lapsed, "failed": report.failed, "skipped": report.skipped}
