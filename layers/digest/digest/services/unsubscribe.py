"""One-click unsubscribe (RFC 8058): a valid token unsubscribes at once, and again is a no-op."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from digest.core.subscriber import UNSUBSCRIBED
from digest.core.tokens import UNSUBSCRIBE, read_token
from digest.ports import SubscriberStore

logger = Logger(child=True)


def unsubscribe(token: str, *, secret: str, subscribers: SubscriberStore) -> bool:
    """Unsubscribe the owner of ``token``; False when the token is forged or names nobody."""
    sid = read_token(secret, UNSUBSCRIBE, token)
    if sid is None:
        logger.warning("refused unsubscribe token")
        return False
    done = subscribers.set_status(sid, UNSUBSCRIBED)
    logger.info("unsubscribed", extra={"subscriber_id": sid, "found": done})
    return done
