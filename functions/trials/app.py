"""Trials (daily): remind subscribers whose free trial ends soon; lapse those whose trial ended."""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from digest.observability import lambda_entry

metrics = Metrics()


@lambda_entry
def handler(event, context):
    from digest.bootstrap import container
    from digest.events import edition_date

    app = container()
    report = app.run_trials(edition_date(event, app.today()))
    metrics.add_metric(name="TrialReminders", unit=MetricUnit.Count, value=report.reminded)
    metrics.add_metric(name="TrialsLapsed", unit=MetricUnit.Count, value=report.lapsed)
    return {"reminded": report.reminded, "lapsed": report.lapsed, "failed": report.failed, "skipped": report.skipped}
