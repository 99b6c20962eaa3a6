"""The waiting room as a use case, on the in-process room state and on Redis.

The clock is moved by hand and the room's loop is ticked by hand, so every admission is
deterministic. The stock gate and the store are the in-process ones; the room state (with its
rate limiter) is the parameter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from flashsale.sales.errors import NotRegistered, SoldOut
from flashsale.waiting_room.adapters.memory_state import MemoryRoomState
from flashsale.waiting_room.domain import fairness
from flashsale.waiting_room.domain.errors import (
    AddressCapReached,
    AdmissionRequired,
    AdmissionTokenExpired,
    AdmissionTokenInvalid,
    AdmissionTokenNotYours,
    AdmissionTokenUsed,
    NoWaitingRoom,
    ProofOfWorkRequired,
    TooManyRequests,
)
from flashsale.waiting_room.domain.proof_of_work import solve
from flashsale.waiting_room.domain.room import QueueState, RoomSettings
from flashsale.waiting_room.ports import RoomState
from flashsale.waiting_room.service.room import QueueStatus, WaitingRoom
from tests.unit.conftest import OPENS, REGISTRATION_CLOSES, World, build_world

ADDRESS = "198.51.100.7"


@pytest.fixture(params=["memory", "redis"])
async def room_world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    world = await build_world(stock=2, limit=1)
    state: RoomState
    if request.param == "redis":
        from flashsale.waiting_room.adapters.redis_scripts import connect_redis
        from flashsale.waiting_room.adapters.redis_state import RedisRoomState

        state = RedisRoomState(await connect_redis(request.getfixturevalue("redis_server_url")))
    else:
        state = MemoryRoomState()
    shop = world.shop
    shop.room = WaitingRoom(
        shop.store, shop.store, shop.gate, world.clock, shop.directory, state, "k"
    )
    yield world
    await state.drop(world.sale.id)
    await shop.room.close()
    await shop.aclose()


@dataclass
class Fan:
    id: str
    address: str = ADDRESS


async def fans(world: World, n: int) -> list[Fan]:
    return [Fan(await world.customer(), f"203.0.113.{i}") for i in range(n)]


async def join(world: World, fan: Fan) -> QueueStatus:
    status, _ = await world.shop.room.join(world.sale.id, fan.id, fan.address)
    return status


async def status(world: World, fan: Fan) -> QueueStatus:
    return await world.shop.room.status(world.sale.id, fan.id, fan.address)


async def buy(world: World, fan: Fan, token: str | None, key: str | None = None) -> str:
    await world.shop.room.admit_purchase(world.sale.id, fan.id, token, fan.address, key)
    result = await world.shop.purchasing.purchase(fan.id, world.sale.id, 1, key)
    return result.order.id


async def open_and_admit(world: World, seconds: float = 1.0) -> None:
    """Open the sale (seal), then let ``seconds`` of admission pass."""
    world.at(OPENS)
    await world.shop.room.tick()
    world.clock.advance(seconds)
    await world.shop.room.tick()


async def test_a_sale_without_settings_has_an_open_room(room_world: World) -> None:
    fan = (await fans(room_world, 1))[0]
    room_world.at(OPENS)
    assert await room_world.shop.room.room_of(room_world.sale.id) is None
    assert room_world.shop.room.is_open(room_world.sale.id)
    assert await buy(room_world, fan, None)
    with pytest.raises(NoWaitingRoom):
        await join(room_world, fan)


async def test_the_pre_queue_is_sealed_in_the_committed_order_and_published(
    room_world: World,
) -> None:
    room = await room_world.shop.room.configure(room_world.sale.id, RoomSettings())
    assert room.commitment == fairness.commitment(room.seed)
    crowd = await fans(room_world, 12)
    room_world.at(REGISTRATION_CLOSES)
    for fan in crowd:
        joined = await join(room_world, fan)
        assert joined.view.state is QueueState.PRE_QUEUE and joined.view.position is None
    room_world.at(OPENS + timedelta(seconds=1))
    latecomer = (await fans(room_world, 1))[0]
    await join(room_world, latecomer)  # after the opening, before the seal
    await room_world.shop.room.tick()
    expected = fairness.shuffled(room.seed, [f.id for f in crowd])
    published = await room_world.store.queue_positions(room_world.sale.id)
    assert published == [(c, i) for i, c in enumerate(expected, start=1)]
    for fan in crowd:
        assert (await status(room_world, fan)).view.position == expected.index(fan.id) + 1
    assert (await status(room_world, latecomer)).view.position == 13
    report = await room_world.shop.room.fairness(room_world.sale.id, reveal=True)
    assert report.verification is not None and report.verification.ok
    # The report names pseudonyms, never customers; each fan finds their own line in it.
    names = fairness.pseudonyms(room.seed, [f.id for f in crowd])
    assert report.positions == [(names[c], i) for i, c in enumerate(expected, start=1)]
    assert not any(f.id in repr(report.positions) for f in [*crowd, latecomer])
    for fan in crowd:
        entry = report.entry_of(fan.id)
        assert (entry.pseudonym, entry.position) == (names[fan.id], expected.index(fan.id) + 1)
    assert report.entry_of(latecomer.id).position is None  # joined after the opening
    hidden = await room_world.shop.room.fairness(room_world.sale.id)
    assert not hidden.revealed and hidden.verification is None  # still on sale


async def test_without_shuffle_the_pre_queue_keeps_arrival_order(room_world: World) -> None:
    await room_world.shop.room.configure(room_world.sale.id, RoomSettings(shuffle_pre_queue=False))
    crowd = await fans(room_world, 5)
    room_world.at(REGISTRATION_CLOSES)
    for fan in crowd:
        await join(room_world, fan)
    room_world.at(OPENS)
    await room_world.shop.room.tick()
    positions = await room_world.store.queue_positions(room_world.sale.id)
    assert [c for c, _ in positions] == [f.id for f in crowd]


async def test_admission_follows_the_stock_and_the_rate(room_world: World) -> None:
    sale_id = room_world.sale.id
    await room_world.shop.room.configure(sale_id, RoomSettings(admission_rate_per_second=100))
    crowd = await fans(room_world, 6)
    room_world.at(OPENS)
    for fan in crowd:
        await join(room_world, fan)  # after the opening: arrival order
    await open_and_admit(room_world)
    views = [(await status(room_world, fan)).view for fan in crowd]
    # two units: two admitted at once although the rate would allow a hundred
    assert [v.state for v in views] == [QueueState.ADMITTED] * 2 + [QueueState.WAITING] * 4
    assert views[2].ahead == 0 and views[5].ahead == 3
    assert views[0].chance == 1.0 and views[5].chance == 0.0
    first, second = [await status(room_world, fan) for fan in crowd[:2]]
    await buy(room_world, crowd[0], first.admission_token)
    await buy(room_world, crowd[1], second.admission_token)
    room_world.clock.advance(1)
    await room_world.shop.room.tick()
    third = await status(room_world, crowd[2])
    assert third.view.state is QueueState.SOLD_OUT and third.view.units_may_return == 2
    assert third.view.chance is not None and 0 < third.view.chance < 1
    # an unpaid reservation expires: its unit goes to the next in line
    room_world.clock.advance(room_world.sale.payment_window.total_seconds())
    await room_world.shop.expiry.sweep()
    await room_world.shop.room.tick()
    room_world.clock.advance(0.1)
    await room_world.shop.room.tick()
    admitted = [(await status(room_world, f)).view.state for f in crowd[2:]]
    assert admitted == [
        QueueState.ADMITTED,
        QueueState.ADMITTED,
        QueueState.WAITING,
        QueueState.WAITING,
    ]


async def test_the_rate_caps_admissions_per_second(room_world: World) -> None:
    world = room_world
    await world.shop.room.configure(world.sale.id, RoomSettings(admission_rate_per_second=2))
    crowd = await fans(world, 4)
    world.at(OPENS)
    for fan in crowd:
        await join(world, fan)
    await open_and_admit(world, seconds=0.5)
    states = [(await status(world, f)).view.state for f in crowd]
    assert states.count(QueueState.ADMITTED) == 1  # half a second at two a second
    world.clock.advance(0.5)
    await world.shop.room.tick()
    states = [(await status(world, f)).view.state for f in crowd]
    assert states.count(QueueState.ADMITTED) == 2  # and two units: no more however long


async def test_the_purchase_refuses_anything_but_ones_own_fresh_token(room_world: World) -> None:
    sale_id = room_world.sale.id
    await room_world.shop.room.configure(sale_id, RoomSettings(token_lifetime_seconds=30))
    alice, bob, carol = await fans(room_world, 3)
    room_world.at(OPENS)
    for fan in (alice, bob, carol):
        await join(room_world, fan)
    await open_and_admit(room_world)
    token = (await status(room_world, alice)).admission_token
    assert token is not None
    with pytest.raises(AdmissionRequired):
        await buy(room_world, carol, None)  # cannot skip the queue
    with pytest.raises(AdmissionTokenInvalid):
        await buy(room_world, alice, token[:-2] + "xx")
    with pytest.raises(AdmissionTokenNotYours):
        await buy(room_world, carol, token)
    assert await buy(room_world, alice, token, key="k1")
    assert await buy(room_world, alice, token, key="k1")  # a retry of the same purchase
    with pytest.raises(AdmissionTokenUsed):
        await buy(room_world, alice, token, key="k2")
    with pytest.raises(AdmissionTokenUsed):
        await buy(room_world, alice, token)
    bobs = (await status(room_world, bob)).admission_token
    room_world.clock.advance(31)
    with pytest.raises(AdmissionTokenExpired):
        await buy(room_world, bob, bobs)
    assert (await status(room_world, bob)).view.state is QueueState.LAPSED
    rejoined = await join(room_world, bob)  # back of the line
    assert rejoined.view.state is QueueState.WAITING and rejoined.view.position == 4


async def test_the_room_refuses_joins_that_bots_make(room_world: World) -> None:
    sale_id = room_world.sale.id
    settings = RoomSettings(pow_difficulty=8, registrations_per_address=2)
    await room_world.shop.room.configure(sale_id, settings)
    crowd = await fans(room_world, 3)
    outsider = Fan(await room_world.customer(register=False))
    room_world.at(REGISTRATION_CLOSES)
    room = room_world.shop.room
    with pytest.raises(ProofOfWorkRequired):
        await room.join(sale_id, crowd[0].id, ADDRESS)
    other = await room.challenge(sale_id, crowd[1].id)
    with pytest.raises(ProofOfWorkRequired):  # someone else's challenge
        await room.join(sale_id, crowd[0].id, ADDRESS, (other.challenge, solve(other.challenge, 8)))

    async def join_with_work(fan: Fan) -> QueueStatus:
        challenge = await room.challenge(sale_id, fan.id)
        assert challenge.difficulty == 8
        proof = (challenge.challenge, solve(challenge.challenge, 8))
        status, _ = await room.join(sale_id, fan.id, ADDRESS, proof)
        return status

    with pytest.raises(NotRegistered):
        await join_with_work(outsider)
    await join_with_work(crowd[0])
    await join_with_work(crowd[0])  # joining twice takes no second place
    await join_with_work(crowd[1])
    with pytest.raises(AddressCapReached):
        await join_with_work(crowd[2])


async def test_a_flood_from_one_customer_is_rate_limited(room_world: World) -> None:
    sale_id = room_world.sale.id
    await room_world.shop.room.configure(sale_id, RoomSettings(customer_requests_per_second=1))
    fan, other = await fans(room_world, 2)
    room_world.at(REGISTRATION_CLOSES)
    await join(room_world, fan)
    await status(room_world, fan)
    with pytest.raises(TooManyRequests) as refused:
        await status(room_world, fan)
    assert refused.value.retry_after >= 1
    await join(room_world, other)


async def test_sold_out_reaches_every_subscriber(room_world: World) -> None:
    sale_id = room_world.sale.id
    await room_world.shop.room.configure(sale_id, RoomSettings())
    crowd = await fans(room_world, 5)
    room_world.at(OPENS)
    for fan in crowd:
        await join(room_world, fan)
    await open_and_admit(room_world)
    async with (
        room_world.shop.room.subscribe(sale_id, crowd[3].id) as fourth,
        room_world.shop.room.subscribe(sale_id, crowd[4].id) as fifth,
    ):
        for subscription in (fourth, fifth):
            first = await subscription.next(0.1)
            assert first is not None and first.view.state is QueueState.WAITING
        for fan in crowd[:2]:
            await buy(room_world, fan, (await status(room_world, fan)).admission_token)
        with pytest.raises(SoldOut):
            await room_world.shop.purchasing.purchase(crowd[2].id, sale_id, 1)
        await room_world.shop.room.tick()
        for subscription in (fourth, fifth):
            pushed = await subscription.next(0.1)
            assert pushed is not None and pushed.view.state is QueueState.SOLD_OUT
