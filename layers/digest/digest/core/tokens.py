"""Signed, opaque tokens for links in emails (itsdangerous, one salt per purpose)."""

from __future__ import annotations

from itsdangerous import BadData, URLSafeTimedSerializer

UNSUBSCRIBE = "unsubscribe"
CONFIRM = "confirm"


def make_token(secret: str, purpose: str, subscriber_id: str) -> str:
    """A URL-safe token naming ``subscriber_id`` for one ``purpose``.

    Examples
    --------
    >>> t = make_token("k", UNSUBSCRIBE, "sub-1")
    >>> read_token("k", UNSUBSCRIBE, t), read_token("k", CONFIRM, t), read_token("x", UNSUBSCRIBE, t)
    ('sub-1', None, None)
    """
    return URLSafeTimedSerializer(secret, salt=purpose).dumps(subscriber_id)


def read_token(secret: str, purpose: str, token: str, max_age: int | None = None) -> str | None:
    """The subscriber id in a token, or ``None`` when it is forged, expired or for another purpose."""
    try:
        value = URLSafeTimedSerializer(secret, salt=purpose).loads(token, max_age=max_age)
    except BadData:
        return None
    return value if isinstance(value, str) else None
