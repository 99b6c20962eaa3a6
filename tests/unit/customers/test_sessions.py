"""Sessions that end before they expire: one, all of a customer's, on a new password, and in a
process other than the one that ended them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flashsale.customers.security import SessionTokens
from flashsale.customers.session_registry import SessionRegistry
from flashsale.customers.sessions import RevocationList, SessionClaim, SessionRevocation
from flashsale.kernel.errors import AuthenticationFailed, Forbidden, InvalidInput
from tests.unit.conftest import PASSWORD, T0, World

DAY = timedelta(days=1)


def test_a_revocation_ends_one_session_and_no_other() -> None:
    revoked = RevocationList()
    revoked.apply([SessionRevocation("cus_1", "ses_a", 0, T0, T0 + DAY)])
    assert revoked.is_revoked(SessionClaim("cus_1", "ses_a", 0))
    assert not revoked.is_revoked(SessionClaim("cus_1", "ses_b", 0))
    assert not revoked.is_revoked(SessionClaim("cus_2", None, 0))


def test_ending_all_refuses_older_generations_and_lets_newer_ones_through() -> None:
    revoked = RevocationList()
    revoked.apply([SessionRevocation("cus_1", None, 2, T0, T0 + DAY)])
    assert revoked.is_revoked(SessionClaim("cus_1", "ses_a", 1))
    assert revoked.is_revoked(SessionClaim("cus_1", None, 0))  # a token without a session id
    assert not revoked.is_revoked(SessionClaim("cus_1", "ses_b", 2))
    assert not revoked.is_revoked(SessionClaim("cus_2", "ses_c", 0))


def test_revocations_read_twice_or_out_of_order_change_nothing_more() -> None:
    later = SessionRevocation("cus_1", None, 3, T0 + DAY, T0 + 2 * DAY)
    earlier = SessionRevocation("cus_1", None, 2, T0, T0 + DAY)
    revoked = RevocationList()
    revoked.apply([later, earlier, later])
    assert revoked.is_revoked(SessionClaim("cus_1", "ses_a", 2))
    assert not revoked.is_revoked(SessionClaim("cus_1", "ses_a", 3))


def test_expired_revocations_are_forgotten() -> None:
    revoked = RevocationList()
    revoked.apply(
        [
            SessionRevocation("cus_1", "ses_a", 0, T0, T0 + DAY),
            SessionRevocation("cus_2", None, 1, T0, T0 + 3 * DAY),
        ]
    )
    revoked.forget_expired(T0 + 2 * DAY)
    assert len(revoked) == 1
    assert revoked.is_revoked(SessionClaim("cus_2", "ses_b", 0))


async def test_logging_out_ends_that_token_and_no_other(world: World) -> None:
    accounts = world.shop.accounts
    customer = await accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    phone = await accounts.log_in("fan@mi.com", PASSWORD)
    laptop = await accounts.log_in("fan@mi.com", PASSWORD)
    await accounts.log_out(phone)
    with pytest.raises(AuthenticationFailed, match="ended"):
        accounts.customer_id_of(phone)
    assert accounts.customer_id_of(laptop) == customer.id
    with pytest.raises(AuthenticationFailed):  # a token ended once cannot end anything more
        await accounts.log_out(phone)


async def test_logging_out_everywhere_ends_every_token_but_not_the_next_log_in(
    world: World,
) -> None:
    accounts = world.shop.accounts
    customer = await accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    tokens = [await accounts.log_in("fan@mi.com", PASSWORD) for _ in range(3)]
    other = await accounts.sign_up("other@mi.com", PASSWORD, "IN")
    others = await accounts.log_in("other@mi.com", PASSWORD)
    await accounts.log_out_everywhere(customer.id)
    for token in tokens:
        with pytest.raises(AuthenticationFailed):
            accounts.customer_id_of(token)
    assert accounts.customer_id_of(others) == other.id
    fresh = await accounts.log_in("fan@mi.com", PASSWORD)
    assert accounts.customer_id_of(fresh) == customer.id


async def test_a_new_password_ends_every_session_and_returns_a_new_one(world: World) -> None:
    accounts = world.shop.accounts
    customer = await accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    old = await accounts.log_in("fan@mi.com", PASSWORD)
    new = await accounts.change_password(customer.id, PASSWORD, "a-new-password")
    with pytest.raises(AuthenticationFailed):
        accounts.customer_id_of(old)
    assert accounts.customer_id_of(new) == customer.id
    with pytest.raises(AuthenticationFailed):
        await accounts.log_in("fan@mi.com", PASSWORD)
    assert accounts.customer_id_of(await accounts.log_in("fan@mi.com", "a-new-password"))


async def test_a_new_password_needs_the_current_one_and_changes_nothing_without_it(
    world: World,
) -> None:
    accounts = world.shop.accounts
    customer = await accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    token = await accounts.log_in("fan@mi.com", PASSWORD)
    with pytest.raises(Forbidden):
        await accounts.change_password(customer.id, "not-the-password", "a-new-password")
    with pytest.raises(InvalidInput):
        await accounts.change_password(customer.id, PASSWORD, "short")
    assert accounts.customer_id_of(token) == customer.id
    assert await accounts.log_in("fan@mi.com", PASSWORD)


async def test_another_process_refuses_an_ended_session_after_its_next_poll(
    world: World,
) -> None:
    accounts = world.shop.accounts
    customer = await accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    one = await accounts.log_in("fan@mi.com", PASSWORD)
    all_of_them = await accounts.log_in("fan@mi.com", PASSWORD)
    elsewhere = await world.restart()  # a second process over the same record
    await elsewhere.sessions.refresh()
    assert elsewhere.accounts.customer_id_of(one) == customer.id
    await accounts.log_out(one)
    assert elsewhere.accounts.customer_id_of(one) == customer.id  # it has not polled yet
    world.at(T0 + timedelta(seconds=1))
    await elsewhere.sessions.refresh()
    with pytest.raises(AuthenticationFailed):
        elsewhere.accounts.customer_id_of(one)
    await accounts.log_out_everywhere(customer.id)
    await elsewhere.sessions.refresh()
    with pytest.raises(AuthenticationFailed):
        elsewhere.accounts.customer_id_of(all_of_them)


async def test_a_process_started_later_knows_every_revocation_in_force(world: World) -> None:
    accounts = world.shop.accounts
    await accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    token = await accounts.log_in("fan@mi.com", PASSWORD)
    await accounts.log_out(token)
    world.at(T0 + 3 * DAY)
    started = SessionRegistry(world.store, world.clock, 7 * DAY.total_seconds())
    await started.refresh()
    claim = SessionTokens(world.shop.keys.session, 7 * DAY.total_seconds()).claim(token)
    assert started.is_revoked(claim)
