"""The checks of a join and a status read, done in one call of the room state.

What the order of the checks promises (a flood is told 429 before anything else), and where a
registration is confirmed: by the room state where it can (Redis reads the gate's), else by the
record, read whole once the sale's registration has closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from flashsale.sales.errors import NotRegistered
from flashsale.waiting_room.adapters.memory_state import MemoryRoomState
from flashsale.waiting_room.domain.errors import ProofOfWorkRequired, TooManyRequests
from flashsale.waiting_room.domain.room import QueueState, RoomSettings
from flashsale.waiting_room.ports import RoomState
from flashsale.waiting_room.service.room import WaitingRoom
from tests.unit.conftest import REGISTRATION_CLOSES, REGISTRATION_OPENS, World, build_world

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


def count_calls(monkeypatch: pytest.MonkeyPatch, target: Any, name: str) -> list[tuple[Any, ...]]:
    """Record the arguments of every call of ``target.name`` (an async method)."""
    calls: list[tuple[Any, ...]] = []
    method: Callable[..., Awaitable[Any]] = getattr(target, name)

    async def counted(*args: Any) -> Any:
        calls.append(args)
        return await method(*args)

    monkeypatch.setattr(target, name, counted)
    return calls


async def test_a_flood_of_bad_proofs_is_told_to_slow_down(room_world: World) -> None:
    sale_id = room_world.sale.id
    settings = RoomSettings(pow_difficulty=8, customer_requests_per_second=1)
    await room_world.shop.room.configure(sale_id, settings)
    fan = await room_world.customer()
    room_world.at(REGISTRATION_CLOSES)
    refusals = []
    for _ in range(4):  # the customer's bucket holds two requests (one second's rate, twice)
        with pytest.raises((ProofOfWorkRequired, TooManyRequests)) as refused:
            await room_world.shop.room.join(sale_id, fan, ADDRESS)
        refusals.append(type(refused.value))
    assert refusals == [ProofOfWorkRequired] * 2 + [TooManyRequests] * 2


async def test_a_status_read_takes_from_the_same_buckets_as_a_join(room_world: World) -> None:
    sale_id = room_world.sale.id
    await room_world.shop.room.configure(sale_id, RoomSettings(customer_requests_per_second=1))
    fan = await room_world.customer()
    room_world.at(REGISTRATION_CLOSES)
    status, new = await room_world.shop.room.join(sale_id, fan, ADDRESS)
    assert new and status.view.state is QueueState.PRE_QUEUE
    assert (await room_world.shop.room.status(sale_id, fan, "203.0.113.9")).view == status.view
    with pytest.raises(TooManyRequests) as refused:
        await room_world.shop.room.status(sale_id, fan, ADDRESS)
    assert refused.value.retry_after == 1
    room_world.clock.advance(1)
    await room_world.shop.room.status(sale_id, fan, ADDRESS)


async def test_registrations_are_read_whole_once_registration_has_closed(
    room_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sale_id = room_world.sale.id
    room = room_world.shop.room
    await room.configure(sale_id, RoomSettings())
    early, late, *crowd = [await room_world.customer() for _ in range(5)]
    whole = count_calls(monkeypatch, room_world.store, "registered_customers")
    some = count_calls(monkeypatch, room_world.store, "registered_among")
    # The gate here is the in-process one: neither room state can confirm a registration.
    room_world.at(REGISTRATION_OPENS)
    await room.join(sale_id, early, ADDRESS)
    assert (len(whole), [args[1] for args in some]) == (0, [[early]])
    room_world.at(REGISTRATION_CLOSES)
    with pytest.raises(NotRegistered):  # an outsider alone is no reason to read them all
        await room.join(sale_id, "cus_nobody", ADDRESS)
    assert (len(whole), len(some)) == (0, 2)
    for fan in crowd:
        await room.join(sale_id, fan, ADDRESS)
    assert (len(whole), len(some)) == (1, 3)  # one whole read answered every later join
    # A registration stored after that read (in flight at the close) is still found.
    new_fan = "cus_after_the_read"
    await room_world.store.add_registrations(sale_id, [new_fan], REGISTRATION_CLOSES)
    _, new = await room.join(sale_id, new_fan, ADDRESS)
    assert new and [args[1] for args in some[3:]] == [[new_fan]]
    with pytest.raises(NotRegistered):
        await room.join(sale_id, "cus_nobody", ADDRESS)
    await room.join(sale_id, late, ADDRESS)
    assert len(whole) == 1 and len(some) == 5
