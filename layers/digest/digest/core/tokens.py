"""Signed, opaque tokens for links in emails (itsdangerous' format, one salt per purpose).

Tokens are ``URLSafeTimedSerializer`` tokens and are read with itsdangerous. They are *made*
here, in the same format, because a send signs one per recipient and itsdangerous spends most
of a token on work that is the same for every one of them: it derives the signing key from the
secret and salt again, builds a signer and tries to zlib-compress the payload for each token.
Here (when the caller gives the time, as a send does) the key is derived once per (secret,
purpose) and each token is one copy of a keyed HMAC. The payload is never compressed
(``read_token`` reads both forms; for a subscriber id compression never wins, so the bytes are
exactly itsdangerous' own).
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from functools import lru_cache
from json.encoder import encode_basestring  # what json.dumps(str, ensure_ascii=False) writes

from itsdangerous import BadData, URLSafeTimedSerializer

UNSUBSCRIBE = "unsubscribe"
CONFIRM = "confirm"


def make_token(secret: str, purpose: str, subscriber_id: str, issued_at: int | None = None) -> str:
    """A URL-safe token naming ``subscriber_id`` for one ``purpose``.

    ``issued_at`` (Unix seconds, from the caller's clock) is the time ``read_token``'s
    ``max_age`` counts from. Without it itsdangerous itself signs the token, at the current time.

    Examples
    --------
    >>> t = make_token("k", UNSUBSCRIBE, "sub-1", issued_at=1_764_000_000)
    >>> read_token("k", UNSUBSCRIBE, t), read_token("k", CONFIRM, t), read_token("x", UNSUBSCRIBE, t)
    ('sub-1', None, None)
    """
    if issued_at is None:
        return _serializer(secret, purpose).dumps(subscriber_id)
    value = _b64(encode_basestring(subscriber_id).encode("utf-8")) + _stamp(int(issued_at))
    mac = _keyed(secret, purpose).copy()
    mac.update(value)
    return (value + b"." + _b64(mac.digest())).decode("ascii")


def read_token(secret: str, purpose: str, token: str, max_age: int | None = None) -> str | None:
    """The subscriber id in a token, or ``None`` when it is forged, expired or for another purpose."""
    try:
        value = _serializer(secret, purpose).loads(token, max_age=max_age)
    except BadData:
        return None
    return value if isinstance(value, str) else None


@lru_cache(maxsize=16)
def _keyed(secret: str, purpose: str) -> hmac.HMAC:
    """HMAC-SHA1 keyed as itsdangerous' default signer keys it ("django-concat" derivation)."""
    key = hashlib.sha1(purpose.encode("utf-8") + b"signer" + secret.encode("utf-8")).digest()
    return hmac.new(key, digestmod=hashlib.sha1)


@lru_cache(maxsize=16)
def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=purpose)


@lru_cache(maxsize=4)
def _stamp(seconds: int) -> bytes:
    """``.`` and the timestamp as itsdangerous writes it (big-endian, no leading zero bytes)."""
    return b"." + _b64(seconds.to_bytes(8, "big").lstrip(b"\x00"))


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> bytes:
    """URL-safe base64 without padding."""
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=")
