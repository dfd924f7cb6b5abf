"""Send: one email per (edition, subscriber), guarded by the delivery ledger.

Policy for an outcome that cannot be known (the process died, or the SES call failed in a way
that does not say whether the message was accepted: a 5xx, a read timeout): the ledger keeps the
``claimed`` record and nobody re-sends it blindly. It is counted as ``unknown`` and the batch goes
on; it is never retried by a redelivered message or a re-run dispatch, and is resolved from SES
events (a ``Send`` event marks it ``sent``, ``services.feedback``) or reported to the editor
(``services.reconcile``), who alone may decide to re-send it. A throttled or refused call (SES
certainly did not accept it) releases the claim so the retry sends it.

Claims are owned by one attempt (``services.send_claims``): a claim another sender holds right
now is retried later (``busy``), never counted done; one SES never saw that could not be released
is handed on in ``freed``. With ``time_left`` the batch stops when the invocation cannot cover
the next send (``out_of_time``; the rest are in ``retry``).

To keep unknowns rare, everything that can fail or wait happens *before* the claim: the message
and its tags are built and the pacer's token is taken first, so between the claim and the SES
call there is nothing but the call.

Pacing: with a ``pacer`` (``digest.core.pacing``) every SES call waits for a token; a throttle
slows it down before the next recipient. When SES takes no mail (``MailPaused``) the batch stops
and that recipient and every one not yet tried are returned in ``retry``.

Account-level refusals (``MailAccountBlocked``: a missing configuration set, an unverified MAIL
FROM domain, the daily quota used up, sending paused by SES) are nobody's failure as a reader:
the batch stops the same way, and the sending switch is paused with SES's reason (``paused`` in
the result), so the editor sees why and no other batch tries until someone resumes it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from email.errors import MessageError
from functools import lru_cache

from aws_lambda_powertools import Logger

from digest.core.edition import version_key
from digest.core.mailing import Mailing
from digest.core.message import EncodedBody, assemble, encode_body
from digest.core.pacing import Pacer
from digest.core.render import PREFERENCES_SLOT, UNSUBSCRIBE_SLOT, Recipient, personalize
from digest.core.subscriber import FAILED, SENT, Subscriber
from digest.errors import MailAccountBlocked, MailError, MailPaused, MailRejected, MailThrottled, StorageError
from digest.ports import BlobStore, Clock, EditionStore, Ledger, Mailer, SendingSwitch
from digest.ports_reader import SubscriberStore
from digest.services import send_claims as claims
from digest.services.send_claims import BatchResult

logger = Logger(child=True)

TEST_LINKS = Recipient("#test-copy-unsubscribe-does-nothing", "#test-copy-preferences-does-nothing")  # lead nowhere


@dataclass(frozen=True)
class Parts:
    """One edition version's email, encoded once; only the recipient's links are filled per copy."""

    subject: str
    text: EncodedBody
    html: EncodedBody


class Sender:
    """Sends the recipients of queued batches; renders each edition version's parts once. ``pacer``
    spaces the SES calls (``None``: as fast as SES answers); ``switch`` is paused when SES refuses all mail."""

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

    # Tunables (attributes, so the composition root and tests may set them).
    in_flight: timedelta = claims.IN_FLIGHT  # how long another sender may be working on a claim
    reserve_seconds: float = 10.0  # kept back at the end of an invocation (park, delete, log)
    new_token: Callable[[], str] = staticmethod(lambda: uuid.uuid4().hex)

    def send_message(self, body: str, time_left: Callable[[], float] | None = None) -> BatchResult:
        """Handle one queue message body (see ``dispatch``; ``freed`` is what a retry hands on)."""
        payload = json.loads(body)
        return self.send_batch(
            payload["edition_date"],
            int(payload["version"]),
            list(payload["subscriber_ids"]),
            variant=payload.get("variant", "email"),
            time_left=time_left,
            freed=payload.get("freed") or {},
        )

    def send_batch(
        self,
        day: str,
        version: int,
        subscriber_ids: list[str],
        variant: str = "email",
        *,
        time_left: Callable[[], float] | None = None,
        freed: Mapping[str, str] | None = None,
    ) -> BatchResult:
        """Send one batch; see the module docstring for what each outcome means."""
        result, freed = BatchResult(), freed or {}
        budget = claims.Budget(time_left, self.reserve_seconds, self.pacer)
        parts = self._parts(day, version, variant)
        for index, queued in enumerate(subscriber_ids):
            if not budget.covers_next():
                result.retry.extend(subscriber_ids[index:])
                result.out_of_time = True
                break
            subscriber = self.subscribers.get(queued)
            if subscriber is None or not subscriber.receives_editions:
                result.skipped += 1
                continue
            sid = subscriber.ledger_id(day)  # the ledger's id: a moved reader's earlier editions keep the legacy one
            try:  # a reader who turned the Listen link off gets the edition without it, re-sends too
                raw = self._message(day, subscriber, parts if subscriber.audio else self._parts(day, version, NO_AUDIO))
            except (ValueError, MessageError) as exc:  # an address no mail system accepts
                token = self.new_token()
                taken = claims.take(self.ledger, day, sid, token, freed.get(sid), self.clock.now(), self.in_flight)
                if taken != claims.MINE:
                    claims.not_mine(result, taken, sid, token)
                    continue
                detail = f"unusable address: {type(exc).__name__}"
                self.ledger.mark(day, sid, FAILED, detail=detail, if_current=claims.mine(day, sid, token))
                result.failed += 1
                continue
            tags = {"edition": day, "plan": subscriber.plan, "subscriber": sid}
            if self.pacer is not None:
                self.pacer.acquire()  # before the claim: a long wait (or a kill during it) claims nothing
            token = self.new_token()
            taken = claims.take(self.ledger, day, sid, token, freed.get(sid), self.clock.now(), self.in_flight)
            if taken != claims.MINE:
                if self.pacer is not None:
                    self.pacer.refund()
                claims.not_mine(result, taken, sid, token)
                continue
            # Nothing may stand between the claim and the SES call.
            try:
                message_id = self.mailer.send_raw(raw, subscriber.email, tags)
            except MailAccountBlocked as exc:
                claims.unclaim(self.ledger, result, day, sid, token)
                result.retry.extend(subscriber_ids[index + 1 :])
                result.paused = exc.reason
                self._pause(day, exc.reason, len(result.retry))
                break
            except MailPaused as exc:
                claims.unclaim(self.ledger, result, day, sid, token)
                result.retry.extend(subscriber_ids[index + 1 :])
                logger.warning(
                    "SES is not accepting mail; batch stopped",
                    extra={"edition_date": day, "reason": str(exc)[:300], "left": len(result.retry)},
                )
                break
            except MailThrottled:
                claims.unclaim(self.ledger, result, day, sid, token)
                if self.pacer is not None:
                    self.pacer.slow_down()  # the next recipient goes only at the lower rate
                continue
            except MailRejected as exc:
                self.ledger.mark(day, sid, FAILED, detail=str(exc)[:300], if_current=claims.mine(day, sid, token))
                result.failed += 1
                continue
            except MailError as exc:  # a 5xx, a read timeout: SES may have accepted it; never re-sent here
                claims.note_unknown(self.ledger, day, sid, token, exc)
                result.unknown += 1
                continue
            # A Send or Bounce event that got here first is kept (compare-and-set on our claim).
            self.ledger.mark(day, sid, SENT, message_id=message_id, if_current=claims.mine(day, sid, token))
            result.sent += 1
            budget.sent_one()
        for sid in freed:  # handed on to us but not reached: hand on again
            if sid in result.retry and sid not in result.freed:
                result.freed[sid] = freed[sid]
        logger.info(
            "batch sent",
            extra={"edition_date": day, **{k: v for k, v in vars(result).items() if k not in ("retry", "freed")}},
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

    def send_test_copies(self, day: str, version: int, people: list[Subscriber], variant: str = "email") -> int:
        """Send each of ``people`` a test copy of a version (the variant a send would use), outside
        the ledger: "[TEST]" before the subject, marked dummy links, no list headers."""
        parts = self._parts(day, version, variant)
        parts = replace(parts, subject=f"[TEST] {parts.subject}")
        for person in people:
            raw = self._message(day, person, parts, test=True)
            self.mailer.send_raw(raw, person.email, {"edition": day, "kind": "test"})
        return len(people)

    def _message(self, day: str, subscriber: Subscriber, parts: Parts, test: bool = False) -> bytes:
        now = self.clock.now()
        who = TEST_LINKS if test else self.options.links(subscriber.subscriber_id, int(now.timestamp()))
        key, unsubscribe = f"{day}:{subscriber.subscriber_id}", "" if test else who.unsubscribe_url
        envelope = self.options.envelope(subscriber.email, parts.subject, key, unsubscribe)
        plain = subscriber.plain_text and not test  # a reader who asked for the text part only
        return assemble(
            envelope,
            parts.text.fill(lambda line: personalize(line, who, is_html=False)),
            None if plain else parts.html.fill(lambda line: personalize(line, who, is_html=True)),
            now,
        )

    def _load_parts(self, day: str, version: int, variant: str = "email") -> Parts:
        record = self.editions.get(day, version)
        if record is None:
            raise StorageError(f"no edition {day} v{version}")
        texts = []
        if variant not in ("email", NO_AUDIO):
            raise ValueError(f"unknown email variant {variant!r}")
        for name in (f"{variant}.txt", f"{variant}.html"):
            data = self.blobs.get(version_key(day, version, name))
            if data is None:
                raise StorageError(f"edition {day} v{version} has no {name}")
            texts.append(encode_body(data.decode("utf-8"), slots=_SLOTS))
        return Parts(record.subject, texts[0], texts[1])


_SLOTS = (UNSUBSCRIBE_SLOT, PREFERENCES_SLOT)
NO_AUDIO = "email-noaudio"  # the edition without its Listen link
