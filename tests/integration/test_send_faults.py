"""Send faults against the moto server: the real DynamoDB ledger, SES v2, SQS and send handler.

60 subscribers, two queued batches. The process dies between SES accepting a message and the
ledger mark; SQS really redelivers the same messages (received again from the queue); nobody is
mailed twice, the unknown one waits while a sender may still hold it, then stays ``claimed`` and
reported until its SES ``Send`` event (written by the test: moto publishes no SES events)
reconciles it. Then the SES adapter's error mapping,
with ``botocore.stub.Stubber`` on a real SES v2 client (moto cannot make SES refuse).
"""

from __future__ import annotations

from collections import Counter

import boto3
import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from digest.adapters.ses import SesMailer
from digest.core.edition import version_key
from digest.core.edition_record import EditionRecord
from digest.core.render import PREFERENCES_SLOT, UNSUBSCRIBE_SLOT
from digest.core.subscriber import ACTIVE, Subscriber
from digest.errors import MailAccountBlocked, MailError, MailPaused, MailRejected, MailThrottled
from digest.services.dispatch import DispatchOptions, dispatch
from digest.services.feedback import Feedback
from digest.services.reconcile import unaccounted
from tests.integration.handlers import event, invoke

DAY, VERSION, READERS = "2026-11-28", 1, 60
TEXT = "Quake hits Lima. " * 15 + f"\nUnsubscribe: {UNSUBSCRIBE_SLOT}\nPreferences: {PREFERENCES_SLOT}\n"
HTML = (
    f'<html lang="en"><body><h1>Quake hits Lima</h1><a href="{UNSUBSCRIBE_SLOT}">Unsubscribe</a> '
    f'<a href="{PREFERENCES_SLOT}">Preferences</a></body></html>'
)


class Killed(BaseException):
    """The Lambda runtime ended the process: no handler code catches it."""


class DiesAfterAccept:
    """The container's mailer: SES accepts the victim's message, then the process dies."""

    def __init__(self, inner: SesMailer, victim: str) -> None:
        self.inner, self.victim, self.accepted = inner, victim, ""

    def send_raw(self, raw: bytes, recipient: str, tags: dict[str, str]) -> str:
        message_id = self.inner.send_raw(raw, recipient, tags)
        if recipient == self.victim and not self.accepted:
            self.accepted = message_id
            raise Killed("after SES accepted, before the ledger mark")
        return message_id


def _edition(app) -> list[Subscriber]:
    app.editions.add(EditionRecord(DAY, VERSION, "h", "approved", 3, "Morning Digest", app.clock.now().isoformat()))
    for name, data in (("edition.json", "{}"), ("email-noaudio.txt", TEXT), ("email-noaudio.html", HTML)):
        app.blobs.put(version_key(DAY, VERSION, name), data.encode(), "text/plain")
    people = [
        Subscriber(app.subscriber_ids.of(f"reader{i}@example.com"), f"reader{i}@example.com", ACTIVE)
        for i in range(READERS)
    ]
    for person in people:
        app.subscribers.put(person)
    return sorted(people, key=lambda p: p.subscriber_id)


def _sqs_event(app, visible_now: bool = False) -> dict:
    """What the event source hands the function: messages really received from the send queue."""
    sqs, url = app.client("sqs"), app.settings.send_queue_url
    template = event("send", "batch.json")["Records"][0]
    reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0 if visible_now else 30)
    return {
        "Records": [
            {**template, "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]}
            for m in reply.get("Messages", [])
        ]
    }


def _delete(app, sqs_event: dict, reply: dict) -> None:
    """The event source deletes every record the function did not report as failed."""
    failed = {f["itemIdentifier"] for f in reply["batchItemFailures"]}
    for record in sqs_event["Records"]:
        if record["messageId"] not in failed:
            app.client("sqs").delete_message(
                QueueUrl=app.settings.send_queue_url, ReceiptHandle=record["receiptHandle"]
            )


def test_a_crash_between_ses_accept_and_ledger_mark_is_never_resent_and_is_reconciled(app, stack, clock, monkeypatch):
    # Waiting work is reported to the event source here instead of parked (parking is a new message
    # delayed in real time, which moto's clock will not skip: tests/integration/test_send_parking_and_ledger.py).
    monkeypatch.setattr(type(app), "send_parking", property(lambda self: None))
    people = _edition(app)
    queued = dispatch(
        DAY,
        editions=app.editions,
        subscribers=app.subscribers,
        queue=app.queue,
        blobs=app.blobs,
        options=DispatchOptions.from_settings(app.settings, False),
        now=app.clock.now(),
    )
    assert (queued.recipients, queued.messages) == (READERS, 2)
    victim = people[6]
    app.mailer = DiesAfterAccept(app.mailer, victim.email)  # before the container builds its sender
    sqs_event = _sqs_event(app, visible_now=True)  # the visibility timeout "ends" at once
    assert len(sqs_event["Records"]) == 2

    with pytest.raises(Killed):
        invoke("send", sqs_event)
    assert [m["destinations"][0] for m in stack.sent_emails()] == [p.email for p in people[:7]]
    # Loss is checked before anything else runs: the six before the victim are marked sent.
    assert all(app.ledger.get(DAY, p.subscriber_id).state == "sent" for p in people[:6])

    # SQS delivers the same two messages again (a real receive). The victim's claim is fresh: its
    # sender may still be working on it, so that message waits (reported, not deleted) ...
    again = _sqs_event(app, visible_now=True)
    assert {r["messageId"] for r in again["Records"]} == {r["messageId"] for r in sqs_event["Records"]}
    reply = invoke("send", again)
    _delete(app, again, reply)
    assert len(reply["batchItemFailures"]) == 1
    mails = Counter(m["destinations"][0] for m in stack.sent_emails())
    assert sorted(mails) == sorted(p.email for p in people) and set(mails.values()) == {1}
    # ... and once no sender can still hold it, it is an unknown outcome: counted, never re-sent.
    clock.advance(minutes=20)
    last = _sqs_event(app, visible_now=True)
    assert invoke("send", last) == {"batchItemFailures": []}
    _delete(app, last, {"batchItemFailures": []})
    assert len(stack.sent_emails()) == READERS
    assert app.ledger.get(DAY, victim.subscriber_id).state == "claimed"
    # moto never publishes SES events: while the Send event is late (or lost), the editor is told.
    report = unaccounted(DAY, ledger=app.ledger, now=clock.now())
    assert list(report.unknown) == [victim.subscriber_id]

    # SES's Send event for the accepted message (written here: moto has no event publishing).
    send_event = {
        "eventType": "Send",
        "send": {},
        "mail": {
            "messageId": app.mailer.accepted,
            "destination": [victim.email],
            "tags": {"edition": [DAY], "subscriber": [victim.subscriber_id], "plan": ["trial"]},
        },
    }
    outcome = Feedback(subscribers=app.subscribers, ledger=app.ledger, clock=app.clock).handle(send_event)
    assert (outcome.action, outcome.changed) == ("sent", True)
    reconciled = app.ledger.get(DAY, victim.subscriber_id)
    assert (reconciled.state, reconciled.message_id) == ("sent", app.mailer.accepted)
    assert len(stack.sent_emails()) == READERS
    assert unaccounted(DAY, ledger=app.ledger, now=clock.now()).unknown == {}


# --- the SES v2 adapter's error mapping ------------------------------------------------------


def _refusing(code: str, status: int = 400) -> SesMailer:
    client = boto3.client("sesv2", region_name="us-east-1", endpoint_url="https://email.us-east-1.amazonaws.com")
    stubber = Stubber(client)
    stubber.add_client_error("send_email", service_error_code=code, http_status_code=status)
    stubber.activate()
    return SesMailer(client, "digest-config-set")


@pytest.mark.parametrize(
    "code, error, status",
    [
        ("SendingPausedException", MailAccountBlocked, 400),  # SES v2: account or configuration set paused
        ("AccountSuspendedException", MailAccountBlocked, 400),  # SES v2: not this recipient's fault
        ("AccountSendingPausedException", MailAccountBlocked, 400),  # the SES v1 names of the same conditions
        ("ConfigurationSetSendingPausedException", MailAccountBlocked, 400),
        ("TooManyRequestsException", MailThrottled, 400),
        ("Throttling", MailThrottled, 400),
        ("MessageRejected", MailRejected, 400),  # still permanent
        ("AccessDeniedException", MailPaused, 403),  # any other 4xx: SES did not take it; retry later
        ("InternalFailure", MailError, 500),  # a 5xx: outcome unknown
    ],
)
def test_ses_error_codes_map_to_what_they_say_about_the_message(code, error, status):
    with pytest.raises(error) as raised:
        _refusing(code, status).send_raw(b"raw", "reader@example.com", {"edition": DAY})
    assert type(raised.value) is error


def test_paused_is_a_throttle_so_claims_are_released_but_a_rejection_is_not():
    assert issubclass(MailPaused, MailThrottled) and not issubclass(MailRejected, MailThrottled)


class _Unreachable:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def send_email(self, **_):
        raise self.exc


def test_no_connection_means_never_sent_but_a_read_timeout_means_unknown():
    url = "https://email.us-east-1.amazonaws.com"
    for exc in (EndpointConnectionError(endpoint_url=url), ConnectTimeoutError(endpoint_url=url)):
        with pytest.raises(MailPaused):
            SesMailer(_Unreachable(exc)).send_raw(b"raw", "reader@example.com", {})
    with pytest.raises(MailError) as raised:
        SesMailer(_Unreachable(ReadTimeoutError(endpoint_url=url))).send_raw(b"raw", "reader@example.com", {})
    assert not isinstance(raised.value, MailThrottled)


def test_max_send_rate_reads_the_account_quota():
    client = boto3.client("sesv2", region_name="us-east-1", endpoint_url="https://email.us-east-1.amazonaws.com")
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_account", {"SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 0.0}}
        )
        assert SesMailer(client).max_send_rate() == 14.0
