"""The local user pool's SRP check (digest_tools.local.srp) against a published Cognito client
(pycognito's AWSSRP, used with the real Cognito): the right password signs in; a wrong password,
another account's verifier, a changed timestamp and a bad SRP_A do not."""

from __future__ import annotations

import pytest
from pycognito.aws_srp import AWSSRP

from digest_tools.local.srp import Challenge, Verifier, pad_hex

POOL, CLIENT, USER = "us-east-1_desk42", "deskclient", "editor@news.example.org"
PASSWORD = "Desk-correct-horse-1A"


def client(password: str) -> AWSSRP:
    return AWSSRP(USER, password, POOL, CLIENT, client=object())  # no calls: only its arithmetic is used


def claim(srp: AWSSRP, challenge: Challenge) -> dict[str, str]:
    return srp.process_challenge(challenge.parameters(), {"USERNAME": USER})


def test_the_right_password_is_proven_and_a_wrong_one_is_not():
    account = Verifier.make(POOL, USER, PASSWORD)
    for password, proven in ((PASSWORD, True), ("Desk-correct-horse-2A", False), ("", False)):
        srp = client(password)
        challenge = Challenge.start(account, srp.get_auth_params()["SRP_A"])
        answer = claim(srp, challenge)
        assert answer["PASSWORD_CLAIM_SECRET_BLOCK"] == challenge.secret_block
        got = challenge.verifies(POOL, answer["TIMESTAMP"], answer["PASSWORD_CLAIM_SIGNATURE"])
        assert got is proven, password


def test_the_signature_is_bound_to_its_timestamp_pool_and_account():
    account = Verifier.make(POOL, USER, PASSWORD)
    srp = client(PASSWORD)
    challenge = Challenge.start(account, srp.get_auth_params()["SRP_A"])
    answer = claim(srp, challenge)
    signature, timestamp = answer["PASSWORD_CLAIM_SIGNATURE"], answer["TIMESTAMP"]
    assert challenge.verifies(POOL, timestamp, signature)
    assert not challenge.verifies(POOL, timestamp.replace("UTC", "UTC "), signature)
    assert not challenge.verifies("us-east-1_other", timestamp, signature)
    other = Verifier.make(POOL, USER, PASSWORD)  # the same password, another salt: another verifier
    assert not Challenge(other, challenge.small_b, challenge.big_b, challenge.big_a, challenge.secret_block).verifies(
        POOL, timestamp, signature
    )


def test_a_public_value_that_is_zero_mod_n_is_refused():
    from digest_tools.local.srp import N

    account = Verifier.make(POOL, USER, PASSWORD)
    for bad in ("0", f"{N:x}", f"{2 * N:x}"):
        with pytest.raises(ValueError):
            Challenge.start(account, bad)


def test_pad_hex_matches_the_clients():
    from pycognito.aws_srp import pad_hex as theirs

    for n in (1, 15, 16, 127, 128, 255, 256, 2**1023, 2**1024 - 1, 0x8000):
        assert pad_hex(n) == theirs(n)
