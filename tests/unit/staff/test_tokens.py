"""Staff tokens: signed under the staff's key, refused once expired, recognised at any age."""

from __future__ import annotations

import time

import pytest

from flashsale.customers.security import SessionTokens
from flashsale.kernel.errors import AuthenticationFailed
from flashsale.kernel.keys import Keys
from flashsale.staff.model import STAFF_SESSION_TTL_SECONDS
from flashsale.staff.tokens import StaffTokens

KEYS = Keys.derive("a-secret-key-for-the-staff-tests")


def test_a_token_claims_its_member_and_generation() -> None:
    tokens = StaffTokens(KEYS.staff)
    claim = tokens.claim(tokens.issue("stf_1", 3))
    assert (claim.subject, claim.generation) == ("stf_1", 3)
    assert claim.session_id is not None


def test_an_expired_token_is_refused_but_still_recognised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tokens = StaffTokens(KEYS.staff)
    seen, unseen = tokens.issue("stf_1", 0), tokens.issue("stf_1", 0)
    tokens.claim(seen)
    later = time.time() + STAFF_SESSION_TTL_SECONDS + 60
    monkeypatch.setattr(time, "time", lambda: later)
    for token in (seen, unseen):
        with pytest.raises(AuthenticationFailed, match="expired"):
            tokens.claim(token)
        assert tokens.recognises(token)


def test_no_other_key_s_token_is_recognised() -> None:
    tokens = StaffTokens(KEYS.staff)
    for other in (KEYS.session, KEYS.console):
        token = SessionTokens(other, 60, salt="flashsale.staff").issue("stf_1")
        assert not tokens.recognises(token)
        with pytest.raises(AuthenticationFailed):
            tokens.claim(token)
    customer = SessionTokens(KEYS.staff, 60).issue("cus_1")  # the staff key, another salt
    assert not tokens.recognises(customer)
    assert not tokens.recognises("not a token")
