"""Guard (SNS, from the reputation alarms): pause sending before SES reviews the account."""

from digest.observability import lambda_entry


@lambda_entry
def handler(event, context):
    from digest.bootstrap import container
    from digest.events import sns_messages
    from digest.services.guard import on_alarm

    switch = container().sending_switch
    return {"actions": [on_alarm(alarm, switch=switch) for alarm in sns_messages(event)]}
