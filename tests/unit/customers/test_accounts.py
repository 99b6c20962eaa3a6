"""Sign-up and log-in: case-insensitive emails, one answer for every failed log-in."""

from __future__ import annotations

import pytest

from flashsale.kernel.errors import AuthenticationFailed, Conflict, InvalidInput
from tests.unit.conftest import PASSWORD, World


async def test_sign_up_stores_a_normalized_email_and_a_hash(world: World) -> None:
    customer = await world.shop.accounts.sign_up("  Fan@Mi.COM ", PASSWORD, "in")
    assert (customer.email, customer.market_code) == ("fan@mi.com", "IN")
    assert PASSWORD not in customer.password_hash
    assert await world.store.customer(customer.id) == customer


async def test_log_in_issues_a_token_naming_the_customer(world: World) -> None:
    customer = await world.shop.accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    token = await world.shop.accounts.log_in("FAN@mi.com", PASSWORD)
    assert world.shop.accounts.customer_id_of(token) == customer.id


async def test_a_wrong_password_and_an_unknown_email_fail_alike(world: World) -> None:
    await world.shop.accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    with pytest.raises(AuthenticationFailed) as wrong_password:
        await world.shop.accounts.log_in("fan@mi.com", PASSWORD + "!")
    with pytest.raises(AuthenticationFailed) as unknown_email:
        await world.shop.accounts.log_in("nobody@mi.com", PASSWORD)
    assert wrong_password.value.detail == unknown_email.value.detail


async def test_a_malformed_email_at_log_in_is_a_failed_log_in(world: World) -> None:
    with pytest.raises(AuthenticationFailed):
        await world.shop.accounts.log_in("not an email", PASSWORD)


async def test_the_same_email_in_another_case_is_a_conflict(world: World) -> None:
    await world.shop.accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    with pytest.raises(Conflict):
        await world.shop.accounts.sign_up("FAN@MI.COM", "another password", "ES")


async def test_sign_up_in_an_unknown_market_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="market"):
        await world.shop.accounts.sign_up("fan@mi.com", PASSWORD, "XX")
    assert await world.store.customer_by_email("fan@mi.com") is None


async def test_a_weak_password_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="password"):
        await world.shop.accounts.sign_up("fan@mi.com", "short", "IN")


async def test_a_forged_token_is_refused(world: World) -> None:
    customer = await world.shop.accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    token = await world.shop.accounts.log_in("fan@mi.com", PASSWORD)
    with pytest.raises(AuthenticationFailed):
        world.shop.accounts.customer_id_of(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    assert world.shop.accounts.customer_id_of(token) == customer.id


def test_session_tokens_are_plain_itsdangerous_timestamp_tokens() -> None:
    # The key is derived once for speed; the tokens must stay the library's own format.
    from itsdangerous import TimestampSigner

    from flashsale.customers.security import SessionTokens
    from flashsale.customers.sessions import SessionClaim

    tokens = SessionTokens("the-secret", 60)
    plain = TimestampSigner("the-secret", salt=SessionTokens.SALT)
    assert plain.unsign(tokens.issue("cus_1", 3)).startswith(b"cus_1:3:ses_")
    # Tokens signed before sessions had ids still name their customer.
    assert tokens.claim(plain.sign(b"cus_2").decode()) == SessionClaim("cus_2", None, 0)
