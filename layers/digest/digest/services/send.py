"""Send: one email per (edition, subscriber), guarded by the delivery ledger.

Policy for an outcome that cannot be known (the process died, or the SES call failed in a way
that does not say whether the message was accepted): the ledger keeps the ``claimed`` record
and nobody re-sends it blindly. It is counted as ``unknown``, never retried by a redelivered
message or a re-run dispatch, and resolved from SES events: a ``Send`` event marks it ``sent``
(``services.feedback``); a claim SES stays silent about past a grace period belongs to a call
SES never accepted, and ``services.reconcile`` re-sends it once. A throttled or refused call
(SES certainly did not accept it) releases the claim so the retry sends it.

To keep unknowns rare, everything that can fail or wait happens *before* the claim: the message
and its tags are built and the pacer's token is taken first, so between the claim and the SES
call there is nothing but the call.

Pacing: with a ``pacer`` (see ``digest.core.pacing``) every SES call waits for a token, and a
throttle slows the pacer down before the next recipient is tried. When SES is not taking mail
(``MailPaused``) the batch stops: that recipient's claim is released and it and every recipient
not yet tried are returned in ``retry``.

Account-level refusals (``MailAccountBlocked``: a missing configuration set, an unverified MAIL
FROM domain, the daily quota used up, sending paused by SES) are nobody's failure as a reader:
the batch stops the same way, and the sending switch is paused with SES's reason (``paused`` in
the result), so the editor sees why and no other batch tries until someone resumes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.errors import MessageError
from functools import lru_cache

from aws_lambda_powertools import Logger

from digest.core.edition import version_key
from digest.core.mailing import Mailing
from digest.core.message import EncodedBody, assemble, encode_body
from digest.core.pacing import Pacer
from digest.core.render import PREFERENCES_SLOT, UNSUBSCRIBE_SLOT, personalize
from digest.core.subscriber import CLAIMED, FAILED, SENT, Subscriber
from digest.errors import MailAccountBlocked, MailPaused, MailRejected, MailThrottled, StorageError
from digest.ports import BlobStore, Clock, EditionStore, Ledger, Mailer, SendingSwitch, SubscriberStore

logger = Logger(child=True)


@dataclass(frozen=True)
class Parts:
    """One edition version's email, encoded once; only the recipient's links are filled per copy."""

    subject: str
    text: EncodedBody
    html: EncodedBody


@dataclass
class BatchResult:
    sent: int = 0
    skipped: int = 0
    already: int = 0
    unknown: int = 0
    failed: int = 0
    retry: list[str] = field(default_factory=list)
    paused: str = ""  # why SES refuses all mail (the sending switch now says so), or ""


class Sender:
    """Sends the recipients of queued batches; renders each edition version's parts once.

    ``pacer`` (optional) spaces the SES calls; ``None`` sends as fast as SES answers. ``switch``
    (optional) is paused when SES refuses all mail of the account.
    """

    def __init__(
        self,
        *,
        editions: EditionStore,
        blobs: BlobStore,
        subscribers: SubscriberStore,
        ledger: Ledger,
        mailer: Mailer,
        clock: Clock,
        options: Mailing,
        pacer: Pacer | None = None,
        switch: SendingSwitch | None = None,
    ) -> None:
        self.editions, self.blobs, self.subscribers = editions, blobs, subscribers
        self.ledger, self.mailer, self.clock, self.options = ledger, mailer, clock, options
        self.pacer, self.switch = pacer, switch
        self._parts = lru_cache(maxsize=4)(self._load_parts)

    def send_message(self, body: str) -> BatchResult:
        """Handle one queue message body (see ``dispatch``)."""
        payload = json.loads(body)
        return self.send_batch(
            payload["edition_date"],
            int(payload["version"]),
            list(payload["subscriber_ids"]),
            variant=payload.get("variant", "email"),
        )

    def send_batch(self, day: str, version: int, subscriber_ids: list[str], variant: str = "email") -> BatchResult:
        """Send one batch; see the module docstring for what each outcome means."""
        result = BatchResult()
        parts = self._parts(day, version, variant)
        for index, sid in enumerate(subscriber_ids):
            subscriber = self.subscribers.get(sid)
            if subscriber is None or not subscriber.receives_editions:
                result.skipped += 1
                continue
            try:
                raw = self._message(day, subscriber, parts)
            except (ValueError, MessageError) as exc:  # an address no mail system accepts
                if self.ledger.claim(day, sid):
                    self.ledger.mark(day, sid, FAILED, detail=f"unusable address: {type(exc).__name__}")
                result.failed += 1
                continue
            tags = {"edition": day, "plan": subscriber.plan, "subscriber": sid}
            if self.pacer is not None:
                self.pacer.acquire()  # before the claim: a long wait (or a kill during it) claims nothing
            if not self.ledger.claim(day, sid):
                if self.pacer is not None:
                    self.pacer.refund()
                existing = self.ledger.get(day, sid)
                if existing is not None and existing.state == CLAIMED:
                    result.unknown += 1
                else:
                    result.already += 1
                continue
            # Nothing may stand between the claim and the SES call.
            try:
                message_id = self.mailer.send_raw(raw, subscriber.email, tags)
            except MailAccountBlocked as exc:
                self.ledger.release(day, sid)
                result.retry.extend(subscriber_ids[index:])
                result.paused = exc.reason
                self._pause(day, exc.reason, len(result.retry))
                break
            except MailPaused as exc:
                self.ledger.release(day, sid)
                result.retry.extend(subscriber_ids[index:])
                logger.warning(
                    "SES is not accepting mail; batch stopped",
                    extra={"edition_date": day, "reason": str(exc)[:300], "left": len(result.retry)},
                )
                break
            except MailThrottled:
                self.ledger.release(day, sid)
                result.retry.append(sid)
                if self.pacer is not None:
                    self.pacer.slow_down()  # the next recipient goes only at the lower rate
                continue
            except MailRejected as exc:
                self.ledger.mark(day, sid, FAILED, detail=str(exc)[:300])
                result.failed += 1
                continue
            self.ledger.mark(day, sid, SENT, message_id=message_id)
            result.sent += 1
        logger.info(
            "batch sent", extra={"edition_date": day, **{k: v for k, v in vars(result).items() if k != "retry"}}
        )
        return result

    def _pause(self, day: str, reason: str, left: int) -> None:
        """Pause the sending switch (the editor's alert and brake); the batch is retried either way."""
        logger.error(
            "SES refuses all mail from this account; sending paused",
            extra={"edition_date": day, "reason": reason[:300], "left": left},
        )
        if self.switch is None:
            return
        try:
            self.switch.pause(f"SES: {reason}")
        except StorageError:
            logger.exception("could not pause the sending switch", extra={"edition_date": day})

    def send_test_copies(self, day: str, version: int, people: list[Subscriber]) -> int:
        """Send each of ``people`` the subscriber copy of a version, outside the ledger (editors' tests)."""
        for person in people:
            self.mailer.send_raw(self.message_for(day, version, person), person.email, {"edition": day, "kind": "test"})
        return len(people)

    def message_for(self, day: str, version: int, subscriber: Subscriber, variant: str = "email") -> bytes:
        """The email ``subscriber`` would get from this edition version (editors' test copies)."""
        return self._message(day, subscriber, self._parts(day, version, variant))

    def _message(self, day: str, subscriber: Subscriber, parts: Parts) -> bytes:
        now = self.clock.now()
        who = self.options.links(subscriber.subscriber_id, int(now.timestamp()))
        envelope = self.options.envelope(
            subscriber.email, parts.subject, f"{day}:{subscriber.subscriber_id}", who.unsubscribe_url
        )
        return assemble(
            envelope,
            parts.text.fill(lambda line: personalize(line, who, is_html=False)),
            parts.html.fill(lambda line: personalize(line, who, is_html=True)),
            now,
        )

    def _load_parts(self, day: str, version: int, variant: str = "email") -> Parts:
        record = self.editions.get(day, version)
        if record is None:
            raise StorageError(f"no edition {day} v{version}")
        texts = []
        if variant not in ("email", "email-noaudio"):
            raise ValueError(f"unknown email variant {variant!r}")
        for name in (f"{variant}.txt", f"{variant}.html"):
            data = self.blobs.get(version_key(day, version, name))
            if data is None:
                raise StorageError(f"edition {day} v{version} has no {name}")
            texts.append(encode_body(data.decode("utf-8"), slots=_SLOTS))
        return Parts(record.subject, texts[0], texts[1])


_SLOTS = (UNSUBSCRIBE_SLOT, PREFERENCES_SLOT)
