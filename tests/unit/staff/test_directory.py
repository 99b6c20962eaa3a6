"""The staff directory on the memory record: adding members, their log-in and sessions, and
disabling them, in one process and across two."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from flashsale.bootstrap import Shop, build_shop
from flashsale.customers.errors import TooManyAttempts
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
)
from flashsale.record.memory_store import MemoryStore
from flashsale.staff.model import Role
from flashsale.staff.service import StaffSpec
from tests.conftest import fast_settings
from tests.unit.conftest import INDIA, PASSWORD, SPAIN, T0

POLL = 1.0


@dataclass
class Office:
    """Two API processes over one record, on one clock."""

    here: Shop
    there: Shop
    store: MemoryStore
    clock: ManualClock


def spec(email: str = "asha@shop.example", **overrides: Any) -> StaffSpec:
    values: dict[str, Any] = {"email": email, "password": PASSWORD, "roles": ["agent"]}
    values.update(overrides)
    return StaffSpec(**values)


@pytest.fixture
async def office() -> AsyncIterator[Office]:
    clock, store = ManualClock(T0), MemoryStore()
    settings = fast_settings(session_revocation_poll_seconds=POLL)
    here = await build_shop(settings, clock=clock, store=store)
    there = await build_shop(settings, clock=clock, store=store)
    for shop in (here, there):  # their member caches lapse as the test's clock moves
        shop.staff._monotonic = lambda: clock.now().timestamp()
    await here.catalog.add_markets([INDIA, SPAIN])
    yield Office(here, there, store, clock)
    await here.aclose()
    await there.aclose()


async def test_a_member_is_stored_normalised_with_a_hash(office: Office) -> None:
    member = await office.here.staff.add(
        spec(" Asha@Shop.EXAMPLE ", roles=["Agent", "clerk"], markets=["in"], languages=["HI"])
    )
    assert member.id.startswith("stf_") and member.email == "asha@shop.example"
    assert member.roles == {Role.AGENT, Role.CLERK}
    assert (member.markets, member.languages) == (frozenset({"IN"}), ("hi",))
    assert member.active and PASSWORD not in member.password_hash
    assert await office.store.staff_member(member.id) == member
    assert await office.here.staff.find("ASHA@shop.example") == member
    assert await office.here.staff.find(member.id) == member


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"email": "not an email"}, "email"),
        ({"password": "short"}, "password"),
        ({"roles": ["boss"]}, "role"),
        ({"roles": []}, "role"),
        ({"markets": ["XX"]}, "market"),
        ({"markets": ["India"]}, "market"),
        ({"languages": ["english"]}, "language"),
    ],
)
async def test_bad_input_stores_nothing(
    office: Office, overrides: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(InvalidInput, match=refusal):
        await office.here.staff.add(spec(**overrides))
    assert await office.store.staff_members() == []


async def test_a_taken_email_in_any_case_is_a_conflict(office: Office) -> None:
    first = await office.here.staff.add(spec())
    with pytest.raises(Conflict):
        await office.here.staff.add(spec("ASHA@shop.example", roles=["admin"]))
    assert await office.store.staff_members() == [first]


async def test_a_customer_and_a_staff_member_may_share_an_email(office: Office) -> None:
    await office.here.accounts.sign_up("asha@shop.example", PASSWORD, "IN")
    await office.here.staff.add(spec())


async def test_log_in_gives_a_token_of_the_member_and_refuses_a_wrong_password(
    office: Office,
) -> None:
    member = await office.here.staff.add(spec())
    token = await office.here.staff.log_in("ASHA@shop.example", PASSWORD)
    assert await office.here.staff.member_of(token) == member
    assert await office.there.staff.member_of(token) == member
    for email, password in [
        ("asha@shop.example", PASSWORD + "!"),
        ("nobody@shop.example", PASSWORD),
        ("not an email", PASSWORD),
    ]:
        with pytest.raises(AuthenticationFailed, match="wrong email or password"):
            await office.here.staff.log_in(email, password)


async def test_staff_and_customer_tokens_never_pass_as_each_other(office: Office) -> None:
    await office.here.staff.add(spec())
    await office.here.accounts.sign_up("fan@example.com", PASSWORD, "IN")
    staff_token = await office.here.staff.log_in("asha@shop.example", PASSWORD)
    customer_token = await office.here.accounts.log_in("fan@example.com", PASSWORD)
    with pytest.raises(AuthenticationFailed):
        office.here.accounts.customer_id_of(staff_token)
    with pytest.raises(AuthenticationFailed):
        await office.here.staff.member_of(customer_token)
    assert office.here.staff.recognises(staff_token)
    assert not office.here.staff.recognises(customer_token)


async def test_logging_out_ends_that_session_in_both_processes(office: Office) -> None:
    await office.here.staff.add(spec())
    phone = await office.here.staff.log_in("asha@shop.example", PASSWORD)
    desk = await office.here.staff.log_in("asha@shop.example", PASSWORD)
    await office.here.staff.log_out(phone)
    with pytest.raises(AuthenticationFailed, match="ended"):
        await office.here.staff.member_of(phone)
    await office.there.sessions.refresh()  # the other process's next poll
    with pytest.raises(AuthenticationFailed, match="ended"):
        await office.there.staff.member_of(phone)
    assert (await office.there.staff.member_of(desk)).email == "asha@shop.example"
    with pytest.raises(AuthenticationFailed):
        await office.here.staff.log_out(phone)


async def test_disabling_ends_every_session_here_at_once_and_there_within_the_poll(
    office: Office,
) -> None:
    member = await office.here.staff.add(spec())
    token = await office.here.staff.log_in("asha@shop.example", PASSWORD)
    assert await office.there.staff.member_of(token) == member  # there remembers it active

    disabled = await office.here.staff.disable("asha@shop.example")
    assert not disabled.active and disabled.session_generation == 1
    with pytest.raises(AuthenticationFailed, match="ended"):
        await office.here.staff.member_of(token)
    assert await office.there.staff.member_of(token) == member  # until its poll comes round
    office.clock.advance(POLL)
    with pytest.raises(AuthenticationFailed, match="ended"):
        await office.there.staff.member_of(token)
    with pytest.raises(Forbidden, match="disabled"):
        await office.here.staff.log_in("asha@shop.example", PASSWORD)


async def test_a_member_enabled_again_by_hand_still_cannot_use_an_old_token(
    office: Office,
) -> None:
    member = await office.here.staff.add(spec())
    token = await office.here.staff.log_in("asha@shop.example", PASSWORD)
    disabled = await office.here.staff.disable(member.id)
    office.store._staff[member.id] = replace(disabled, active=True)  # a hand edit of the record
    office.clock.advance(POLL)
    with pytest.raises(AuthenticationFailed):
        await office.here.staff.member_of(token)
    fresh = await office.here.staff.log_in("asha@shop.example", PASSWORD)
    assert (await office.here.staff.member_of(fresh)).id == member.id


async def test_disabling_nobody_is_not_found(office: Office) -> None:
    for who in ("stf_nobody", "nobody@shop.example", "not an email@"):
        with pytest.raises(NotFound):
            await office.here.staff.disable(who)


async def test_staff_log_ins_are_throttled_in_buckets_of_their_own() -> None:
    clock, store = ManualClock(T0), MemoryStore()
    strict = {"auth_account_failures": 2, "auth_account_failures_per_minute": 0.01}
    shop = await build_shop(fast_settings(**strict), clock=clock, store=store)
    try:
        await shop.catalog.add_markets([INDIA])
        await shop.staff.add(spec())
        await shop.accounts.sign_up("asha@shop.example", PASSWORD, "IN")
        for _ in range(2):
            with pytest.raises(AuthenticationFailed):
                await shop.staff.log_in("asha@shop.example", "wrong-password", address="10.0.0.1")
        with pytest.raises(TooManyAttempts):
            await shop.staff.log_in("asha@shop.example", PASSWORD, address="10.0.0.2")
        # The customer account of the same email has spent none of its own.
        await shop.accounts.log_in("asha@shop.example", PASSWORD, address="10.0.0.3")
    finally:
        await shop.aclose()


async def test_a_member_is_kept_for_real_seconds_whatever_the_shops_clock_does(
    office: Office,
) -> None:
    seconds = [0.0]
    office.there.staff._monotonic = lambda: seconds[0]
    member = await office.here.staff.add(spec())
    token = await office.here.staff.log_in("asha@shop.example", PASSWORD)
    assert await office.there.staff.member_of(token) == member
    office.store._staff[member.id] = replace(member, active=False)  # a hand edit of the record
    office.clock.advance(3600)  # a rehearsal's simulated hour, in no time
    assert await office.there.staff.member_of(token) == member  # no read: kept
    seconds[0] += POLL
    with pytest.raises(AuthenticationFailed):  # read again: disabled
        await office.there.staff.member_of(token)
