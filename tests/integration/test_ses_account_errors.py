"""SES errors that concern the whole account pause sending (the SSM switch on moto) instead of
failing readers one by one.

SES is a botocore ``Stubber`` on a real SES v2 client (moto accepts any send): each error carries
the code and message SES documents; everything else (ledger, switch, queue) is the moto server.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from digest.adapters.ses import SesMailer
from digest.errors import MailAccountBlocked, MailPaused, MailRejected, MailThrottled
from tests.integration.handlers import event, invoke
from tests.integration.test_handlers import DAY, READERS, _morning, _sqs_event, _subscribe

# (code, message, HTTP status) as SES v2 answers; botocore's sesv2 model lists these for SendEmail.
ACCOUNT_LEVEL = [
    ("NotFoundException", "Configuration set <digest-config-set> does not exist.", 404),
    ("MailFromDomainNotVerifiedException", "Mail-From domain news.example.org is not verified.", 400),
    ("BadRequestException", "Configuration set <default-set> does not exist.", 400),
    ("SendingPausedException", "Sending is paused for this account.", 400),
    ("AccountSuspendedException", "Your account's ability to send email has been restricted.", 400),
    ("ThrottlingException", "Daily message quota exceeded.", 400),  # SES Developer Guide: only the message says so
    ("TooManyRequestsException", "Daily message quota exceeded.", 429),
]


def _ses(*errors: tuple[str, str, int]):
    client = boto3.client("sesv2", region_name="us-east-1", endpoint_url="https://email.us-east-1.amazonaws.com")
    stubber = Stubber(client)
    for code, message, status in errors:
        stubber.add_client_error(
            "send_email", service_error_code=code, service_message=message, http_status_code=status
        )
    stubber.activate()
    return client, stubber


@pytest.mark.parametrize("code, message, status", ACCOUNT_LEVEL)
def test_account_level_errors_are_mapped_by_code_with_a_reason(code, message, status):
    client, _ = _ses((code, message, status))
    with pytest.raises(MailAccountBlocked) as raised:
        SesMailer(client, "digest-config-set").send_raw(b"raw", "reader@example.com", {"edition": DAY})
    assert code in raised.value.reason and message[:20] in raised.value.reason
    assert isinstance(raised.value, MailPaused)  # whoever only knows "paused" still stops and retries


@pytest.mark.parametrize(
    "code, message, error",
    [
        ("ThrottlingException", "Maximum sending rate exceeded.", MailThrottled),  # a rate throttle: slow down
        ("TooManyRequestsException", "Too many requests.", MailThrottled),
        ("MessageRejected", "Email address is not verified.", MailRejected),  # this message only
    ],
)
def test_per_message_errors_stay_per_message(code, message, error):
    client, _ = _ses((code, message, 400))
    with pytest.raises(error) as raised:
        SesMailer(client).send_raw(b"raw", "reader@example.com", {})
    assert not isinstance(raised.value, MailAccountBlocked)


def test_a_missing_configuration_set_pauses_the_send_and_keeps_every_reader(app, stack, sources_file, monkeypatch):
    # Without a queue to park on, the batch stays with SQS (parking: test_send_parking_and_ledger.py).
    monkeypatch.setattr(type(app), "send_parking", property(lambda self: None))
    ids = _subscribe(app, *READERS)
    _morning(app)
    app.clock.when = app.clock.when.replace(hour=11)
    assert invoke("dispatch", event("dispatch", "scheduled.json"))["messages"] == 1
    client, stubber = _ses(ACCOUNT_LEVEL[0])
    app.mailer = SesMailer(client, "digest-config-set")  # before the sender is built
    sqs_event = _sqs_event(app)
    failures = invoke("send", sqs_event)["batchItemFailures"]
    assert failures == [{"itemIdentifier": sqs_event["Records"][0]["messageId"]}]  # SQS keeps the batch
    stubber.assert_no_pending_responses()  # one SES call: the batch stopped at the first refusal
    app.sending_switch._cached = None
    assert "configuration set does not exist" in app.sending_switch.paused()  # what the editor reads
    assert all(app.ledger.get(DAY, sid) is None for sid in ids)  # nobody failed, nobody claimed

    # The redelivery finds the switch paused and tries nobody; once resumed, everyone is sent once.
    assert invoke("send", sqs_event)["batchItemFailures"] == failures
    app.sending_switch.resume()
    del app.__dict__["mailer"], app.__dict__["sender"]
    assert invoke("send", sqs_event) == {"batchItemFailures": []}
    assert sorted(m["destinations"][0] for m in stack.sent_emails()) == sorted(READERS)
