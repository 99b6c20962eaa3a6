"""One secret key, one derived key per purpose: nothing signed for one purpose passes another."""

from __future__ import annotations

import pytest

from flashsale.bootstrap import build_shop
from flashsale.customers.security import SessionTokens
from flashsale.kernel.errors import AuthenticationFailed
from flashsale.kernel.keys import (
    ADMISSION,
    CONSOLE,
    PROOF_OF_WORK,
    SESSION,
    Keys,
    derive_key,
    same_secret,
)
from flashsale.waiting_room.domain.errors import AdmissionTokenInvalid, ProofOfWorkRequired
from flashsale.waiting_room.service.admission import AdmissionTokens, Challenges
from tests.conftest import fast_settings

SECRET = "a-secret-key-long-enough-for-production"


def test_each_purpose_has_its_own_key_none_of_them_the_secret() -> None:
    keys = Keys.derive(SECRET)
    derived = [keys.session, keys.admission, keys.proof_of_work, keys.console, keys.csrf]
    assert len(set(derived)) == len(derived)
    assert SECRET not in derived
    assert keys.session == derive_key(SECRET, SESSION)
    assert derive_key(SECRET, SESSION) != derive_key(SECRET + "x", SESSION)
    assert SECRET not in repr(keys) and keys.session not in repr(keys)


def test_no_keys_from_an_empty_secret() -> None:
    with pytest.raises(ValueError, match="empty secret key"):
        Keys.derive(" ")


def test_a_session_token_signed_for_admission_is_not_a_session() -> None:
    sessions = SessionTokens(derive_key(SECRET, SESSION), 3600)
    for purpose in (ADMISSION, PROOF_OF_WORK, CONSOLE):
        forged = SessionTokens(derive_key(SECRET, purpose), 3600).issue("cus_victim")
        with pytest.raises(AuthenticationFailed):
            sessions.claim(forged)
    with pytest.raises(AuthenticationFailed):
        sessions.claim(SessionTokens(SECRET, 3600).issue("cus_victim"))
    assert sessions.claim(sessions.issue("cus_fan")).subject == "cus_fan"


def test_room_tokens_pass_only_for_their_own_purpose() -> None:
    keys = Keys.derive(SECRET)
    admission = AdmissionTokens(keys.admission)
    challenges = Challenges(keys.proof_of_work)
    token = admission.issue("sale_1", "cus_1", 10**13)
    challenge = challenges.issue("sale_1", "cus_1")
    assert admission.read(token).customer_id == "cus_1"
    challenges.check(challenge, "sale_1", "cus_1")
    with pytest.raises(AdmissionTokenInvalid):
        AdmissionTokens(keys.session).read(token)
    with pytest.raises(ProofOfWorkRequired):
        Challenges(keys.admission).check(challenge, "sale_1", "cus_1")
    with pytest.raises(AuthenticationFailed):
        SessionTokens(keys.session, 3600).claim(challenge)


async def test_the_shop_signs_sessions_with_the_session_key_not_the_secret() -> None:
    settings = fast_settings(secret_key=SECRET)
    shop = await build_shop(settings)
    try:
        with pytest.raises(AuthenticationFailed):
            shop.accounts.customer_id_of(SessionTokens(SECRET, 3600).issue("cus_victim"))
        with pytest.raises(AuthenticationFailed):
            shop.accounts.customer_id_of(
                SessionTokens(derive_key(SECRET, ADMISSION), 3600).issue("cus_victim")
            )
        own = SessionTokens(derive_key(SECRET, SESSION), 3600).issue("cus_fan")
        assert shop.accounts.customer_id_of(own) == "cus_fan"
        assert shop.keys == Keys.derive(SECRET)
    finally:
        await shop.aclose()


def test_an_empty_secret_never_matches() -> None:
    assert not same_secret("", "")
    assert not same_secret("", "token")
    assert not same_secret("token", "")
    assert same_secret("token", "token")
