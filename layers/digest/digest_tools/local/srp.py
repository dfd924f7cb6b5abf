"""The server's half of Cognito's SRP sign-in (``USER_SRP_AUTH``), for the local user pool.

moto answers ``USER_SRP_AUTH`` with random numbers and accepts any password claim, so a desk that
signs in with SRP would sign in locally with any password. The local sign-in door
(:mod:`digest_tools.local.desk`) does the password check itself, as Cognito does: it keeps a
verifier for each account it made (never the password's hash alone), sends ``SRP_B`` and checks
the client's ``PASSWORD_CLAIM_SIGNATURE``; only then does it ask moto for the tokens.

The arithmetic is Cognito's SRP-6a (the 3072-bit group of RFC 5054, ``g = 2``, SHA-256, the
"Caldera Derived Key" HKDF), as AWS's own clients compute it; the tests hold it to a published
client implementation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N, G = int(N_HEX, 16), 2


def pad_hex(value: int | str) -> str:
    """The hex of a positive number as SRP hashes it: whole bytes, with a zero byte in front when
    the first bit is set (a positive number in two's complement).

    >>> pad_hex(255), pad_hex(15), pad_hex("7f")
    ('00ff', '0f', '7f')
    """
    text = value if isinstance(value, str) else f"{value:x}"
    if len(text) % 2:
        return "0" + text
    return "00" + text if text[0] in "89abcdefABCDEF" else text


def _hash_hex(hex_text: str) -> int:
    return int(hashlib.sha256(bytes.fromhex(hex_text)).hexdigest(), 16)


K = _hash_hex("00" + N_HEX + "0" + f"{G:x}")  # SRP-6a's multiplier, as Cognito makes it


def _x(pool_id: str, user_id: str, password: str, salt_hex: str) -> int:
    inner = hashlib.sha256(f"{pool_id.split('_', 1)[1]}{user_id}:{password}".encode()).hexdigest()
    return _hash_hex(pad_hex(salt_hex) + inner)


def _key(shared: int, u: int) -> bytes:
    """HKDF-SHA256 of the shared secret with ``u`` as salt, Cognito's info string, 16 bytes."""
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(shared)), hashlib.sha256).digest()
    return hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]


@dataclass(frozen=True)
class Verifier:
    """What the pool keeps of an account's password: a salt and ``g^x mod N``."""

    user_id: str
    salt_hex: str
    verifier: int

    @classmethod
    def make(cls, pool_id: str, user_id: str, password: str) -> Verifier:
        salt = secrets.token_hex(16)
        return cls(user_id, salt, pow(G, _x(pool_id, user_id, password, salt), N))


@dataclass(frozen=True)
class Challenge:
    """One sign-in in progress: the server's secret ``b``, its ``B``, the client's ``A``."""

    account: Verifier
    small_b: int
    big_b: int
    big_a: int
    secret_block: str  # base64, as sent

    @classmethod
    def start(cls, account: Verifier, srp_a_hex: str) -> Challenge:
        big_a = int(srp_a_hex, 16)
        if big_a % N == 0:
            raise ValueError("SRP_A is not a valid public value")
        small_b = secrets.randbits(1024) % N
        big_b = (K * account.verifier + pow(G, small_b, N)) % N
        return cls(account, small_b, big_b, big_a, base64.b64encode(secrets.token_bytes(64)).decode("ascii"))

    def parameters(self) -> dict[str, str]:
        """The PASSWORD_VERIFIER challenge's parameters."""
        return {
            "SALT": self.account.salt_hex,
            "SRP_B": f"{self.big_b:x}",
            "SECRET_BLOCK": self.secret_block,
            "USER_ID_FOR_SRP": self.account.user_id,
            "USERNAME": self.account.user_id,
        }

    def verifies(self, pool_id: str, timestamp: str, signature: str) -> bool:
        """Whether the client's PASSWORD_CLAIM_SIGNATURE proves it knows the password."""
        u = _hash_hex(pad_hex(self.big_a) + pad_hex(self.big_b))
        if u == 0:
            return False
        shared = pow(self.big_a * pow(self.account.verifier, u, N), self.small_b, N)
        message = (
            pool_id.split("_", 1)[1].encode()
            + self.account.user_id.encode()
            + base64.b64decode(self.secret_block)
            + timestamp.encode()
        )
        expected = base64.b64encode(hmac.new(_key(shared, u), message, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, signature)
