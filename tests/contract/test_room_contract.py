"""The RoomState and RateLimiter contract: the in-process and the Redis adapters alike."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from flashsale.adapters.memory_room import MemoryRateLimiter, MemoryRoomState
from flashsale.domain.token_bucket import Limit
from flashsale.domain.waiting_room import Place, RoomSettings, Standing, Use
from flashsale.ports import RateLimiter, RoomState

T = 1_800_000_000_000
SETTINGS = RoomSettings(admission_rate_per_second=10, token_lifetime_seconds=30)


@pytest.fixture(params=["memory", "redis"])
async def adapters(request: pytest.FixtureRequest) -> AsyncIterator[tuple[RoomState, RateLimiter]]:
    if request.param == "memory":
        yield MemoryRoomState(), MemoryRateLimiter()
        return
    from flashsale.adapters.redis_room import RedisRateLimiter, RedisRoomState, connect_redis

    redis = await connect_redis(request.getfixturevalue("redis_server_url"))
    state, limiter = RedisRoomState(redis, owns_connection=False), RedisRateLimiter(redis)
    yield state, limiter
    await state.close()
    await limiter.close()


@pytest.fixture
async def room(adapters: tuple[RoomState, RateLimiter]) -> AsyncIterator[tuple[RoomState, str]]:
    state, _ = adapters
    sale_id = f"sale_contract_{uuid.uuid4().hex}"
    yield state, sale_id
    await state.drop(sale_id)


async def test_joins_seal_and_positions(room: tuple[RoomState, str]) -> None:
    state, sale = room
    assert await state.join(sale, ["a", "b", "a"], before_opening=True, now_ms=T) == [
        True,
        True,
        False,
    ]
    assert await state.join(sale, ["c"], before_opening=True, now_ms=T) == [True]
    assert sorted(await state.pre_queue(sale)) == [("a", 1), ("b", 2), ("c", 3)]
    assert await state.join(sale, ["late"], before_opening=False, now_ms=T) == [True]
    (pre, late) = await state.standings(sale, ["a", "late"], T)
    assert pre == Standing(Place.PRE_QUEUE) and late == Standing(Place.IN_LINE)
    assert await state.seal(sale, ["b", "a"]) == -1  # not the pre-queue's customers
    assert await state.seal(sale, ["b", "a", "a"]) == -1
    assert await state.seal(sale, ["c", "a", "b"]) == 1
    assert await state.seal(sale, ["c", "a", "b"]) == 0
    assert await state.sealed_order(sale) == ["c", "a", "b"]
    assert await state.pre_queue(sale) == []
    await state.join(sale, ["later", "c"], before_opening=True, now_ms=T)  # sealed: in line
    found = await state.standings(sale, ["c", "a", "b", "late", "later", "nobody"], T)
    assert [s.position for s in found] == [1, 2, 3, 4, 5, None]
    assert found[-1].place is Place.ABSENT
    summary = await state.summary(sale, T)
    assert (summary.sealed, summary.pre_queue, summary.joined, summary.cursor) == (True, 3, 5, 0)


async def test_admission_is_stock_aware_rated_and_spent_once(room: tuple[RoomState, str]) -> None:
    state, sale = room
    await state.join(sale, [f"c{i}" for i in range(6)], before_opening=False, now_ms=T)
    assert (await state.admit(sale, SETTINGS, 10, T)).cursor == 0  # not sealed yet
    await state.seal(sale, [])
    assert (await state.admit(sale, SETTINGS, 10, T)).cursor == 0  # the first tick starts
    summary = await state.admit(sale, SETTINGS, 3, T + 1000)  # 10/s, but three units
    assert (summary.cursor, summary.outstanding) == (3, 3)
    assert (await state.admit(sale, SETTINGS, 3, T + 2000)).cursor == 3
    until = T + 1000 + SETTINGS.token_lifetime_ms
    (c0, c3) = await state.standings(sale, ["c0", "c3"], T + 2000)
    assert c0.admitted_until_ms == until and c3.admitted_until_ms is None
    uses = [("c0", until, "key"), ("c0", until, "key"), ("c0", until, "other"), ("c1", 5, "")]
    assert await state.consume(sale, uses, T + 2000) == [Use.OK, Use.OK, Use.USED, Use.LAPSED]
    assert (await state.standings(sale, ["c0"], T + 2000))[0].used
    # one spent: room for one more at the same stock
    summary = await state.admit(sale, SETTINGS, 3, T + 2100)
    assert (summary.cursor, summary.outstanding) == (4, 3)
    # admissions lapse: their slots go to the next in line; a lapsed one may join again
    later = until + 1
    assert await state.consume(sale, [("c1", until, "")], later) == [Use.LAPSED]
    assert (await state.admit(sale, SETTINGS, 3, later)).cursor == 6
    assert await state.join(sale, ["c1", "c0"], before_opening=False, now_ms=later) == [True, False]
    assert (await state.standings(sale, ["c1"], later))[0].position == 7


async def test_rate_limits_alike(adapters: tuple[RoomState, RateLimiter]) -> None:
    _, limiter = adapters
    key = f"contract:{uuid.uuid4().hex}"
    one, two = (key + ":1", Limit(4, 2)), (key + ":2", Limit(1, 5))
    assert [await limiter.acquire([one, two], T) for _ in range(3)] == [0, 0, 250]
    assert await limiter.acquire([two], T) == 0  # the refused group took nothing from it
    assert await limiter.acquire([one], T + 250) == 0
    assert await limiter.acquire([one], T + 250) == 250


async def test_enter_answers_join_and_the_standing_it_left(room: tuple[RoomState, str]) -> None:
    state, sale = room
    entered = await state.enter(sale, ["a", "b", "a"], before_opening=True, now_ms=T)
    assert [new for new, _ in entered] == [True, True, False]
    assert [s for _, s in entered] == [Standing(Place.PRE_QUEUE)] * 3
    (late,) = await state.enter(sale, ["late"], before_opening=False, now_ms=T)
    assert late == (True, Standing(Place.IN_LINE))  # no position before the seal
    assert await state.seal(sale, ["b", "a"]) == 1
    await state.admit(sale, SETTINGS, 10, T)
    await state.admit(sale, SETTINGS, 10, T + 1000)  # a second's allowance admits them all
    again, later = await state.enter(sale, ["a", "later"], before_opening=False, now_ms=T + 1000)
    assert again[0] is False and again[1].position == 2 and again[1].admitted_until_ms
    assert later == (True, Standing(Place.IN_LINE, 4))
    # The standings of a batch of single callers (coalesced in Redis) match a direct read.
    singles = await asyncio.gather(
        *(state.enter(sale, [c], before_opening=False, now_ms=T + 1000) for c in CUSTOMERS)
    )
    assert [s for ((_, s),) in singles] == await state.standings(sale, CUSTOMERS, T + 1000)


CUSTOMERS = ["b", "late", "later", "new"]
