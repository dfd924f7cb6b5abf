"""Guard (SNS, from the reputation alarms): pause sending before SES reviews the account."""

from aws_lambda_powertools import Logger

from digest.observability import traced

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
@traced
def handler(event, context):
    from digest.bootstrap import container
    from digest.services.guard import on_alarm

    switch = container().sending_switch
    actions = [on_alarm(record.get("Sns", {}).get("Message"), switch=switch) for record in event.get("Records", [])]
    return {"actions": actions}
