"""Password reset links: signed, expiring, single-use; a reset ends every session."""

from __future__ import annotations

import asyncio

import pytest

from flashsale.customers.password_reset import PasswordResets, ResetLinkInvalid
from flashsale.kernel.errors import AuthenticationFailed, InvalidInput
from tests.unit.conftest import PASSWORD, World

NEW_PASSWORD = "a-new-mi-fan-2026"


def resets(world: World) -> PasswordResets:
    return world.shop.password_resets


async def test_a_link_sets_a_new_password_once_and_ends_every_session(world: World) -> None:
    customer = await world.shop.accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    session = await world.shop.accounts.log_in("fan@mi.com", PASSWORD)
    ticket = await resets(world).issue("FAN@mi.com")
    assert ticket is not None and ticket.customer.id == customer.id

    await resets(world).reset(ticket.token, NEW_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        world.shop.accounts.customer_id_of(session)
    assert await world.shop.accounts.log_in("fan@mi.com", NEW_PASSWORD)
    with pytest.raises(ResetLinkInvalid, match="used already"):
        await resets(world).reset(ticket.token, "yet-another-password")


async def test_a_link_expires_after_an_hour(world: World) -> None:
    await world.shop.accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    ticket = await resets(world).issue("fan@mi.com")
    assert ticket is not None
    world.clock.advance(3600)
    with pytest.raises(ResetLinkInvalid, match="expired"):
        await resets(world).customer_of(ticket.token)


@pytest.mark.parametrize("damage", ["flip", "other-key", "garbage", "empty"])
async def test_a_link_made_up_or_changed_is_refused(world: World, damage: str) -> None:
    await world.shop.accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    ticket = await resets(world).issue("fan@mi.com")
    assert ticket is not None
    payload, _, signature = ticket.token.partition(".")
    token = {
        "flip": f"{payload}.{signature[:-1]}{'0' if signature[-1] != '0' else '1'}",
        "other-key": (
            await PasswordResets(
                world.store,
                world.shop.sessions,
                world.shop.hasher,
                world.shop.throttle,
                world.clock,
                "another-key-entirely",
            ).issue("fan@mi.com")
        ).token,  # type: ignore[union-attr]
        "garbage": "%%%.zz",
        "empty": "",
    }[damage]
    with pytest.raises(ResetLinkInvalid, match="not valid"):
        await resets(world).customer_of(token)
    assert await world.shop.accounts.log_in("fan@mi.com", PASSWORD)


async def test_no_account_no_link_and_a_weak_password_changes_nothing(world: World) -> None:
    assert await resets(world).issue("nobody@mi.com") is None
    assert await resets(world).issue("not an email") is None
    await world.shop.accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    ticket = await resets(world).issue("fan@mi.com")
    assert ticket is not None
    with pytest.raises(InvalidInput, match="password"):
        await resets(world).reset(ticket.token, "short")
    assert await resets(world).customer_of(ticket.token)  # still good


async def test_two_submissions_of_one_link_racing_set_the_password_once(world: World) -> None:
    await world.shop.accounts.sign_up("fan@mi.com", PASSWORD, "IN")
    ticket = await resets(world).issue("fan@mi.com")
    assert ticket is not None
    # Both read the link as good before either writes: the hashing in between is a thread.
    outcomes = await asyncio.gather(
        resets(world).reset(ticket.token, NEW_PASSWORD),
        resets(world).reset(ticket.token, "the-other-password"),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], ResetLinkInvalid)
    assert "used already" in refused[0].detail
    winner = NEW_PASSWORD if not isinstance(outcomes[0], BaseException) else "the-other-password"
    assert await world.shop.accounts.log_in("fan@mi.com", winner)
