"""The RoomState and RateLimiter contract: the in-process and the Redis adapters alike."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from flashsale.kernel.token_bucket import Limit, retry_after_ms
from flashsale.waiting_room.adapters.memory_state import MemoryRoomState
from flashsale.waiting_room.domain.room import Place, RoomSettings, Standing, Use
from flashsale.waiting_room.ports import Entered, Entry, RoomState, Verdict

T = 1_800_000_000_000
SETTINGS = RoomSettings(admission_rate_per_second=10, token_lifetime_seconds=30)


@pytest.fixture(params=["memory", "redis", "cluster"])
async def adapter(request: pytest.FixtureRequest) -> AsyncIterator[RoomState]:
    if request.param == "memory":
        yield MemoryRoomState()
        return
    from flashsale.waiting_room.adapters.redis_scripts import connect_redis
    from flashsale.waiting_room.adapters.redis_state import RedisRoomState

    # On a cluster every script must keep to one slot: a sale's room, its rate-limit buckets
    # and its gate's registrations share the sale's hash tag.
    fixture = "redis_cluster_url" if request.param == "cluster" else "redis_server_url"
    state = RedisRoomState(await connect_redis(request.getfixturevalue(fixture)))
    yield state
    await state.close()


@pytest.fixture
async def room(adapter: RoomState) -> AsyncIterator[tuple[RoomState, str]]:
    sale_id = f"sale_contract_{uuid.uuid4().hex}"
    yield adapter, sale_id
    await adapter.drop(sale_id)


async def enter_plain(
    state: RoomState, sale: str, customers: list[str], *, before_opening: bool, now_ms: int
) -> list[tuple[bool, Standing]]:
    """A plain join: registered, no rate limit, no cap."""
    entries = [Entry(c, registered=True) for c in customers]
    entered = await state.enter_checked(sale, entries, before_opening=before_opening, now_ms=now_ms)
    assert {e.verdict for e in entered} <= {Verdict.OK}
    return [(e.new, e.standing) for e in entered]


async def join_plain(
    state: RoomState, sale: str, customers: list[str], *, before_opening: bool, now_ms: int
) -> list[bool]:
    entered = await enter_plain(
        state, sale, customers, before_opening=before_opening, now_ms=now_ms
    )
    return [new for new, _ in entered]


async def test_joins_seal_and_positions(room: tuple[RoomState, str]) -> None:
    state, sale = room
    assert await join_plain(state, sale, ["a", "b", "a"], before_opening=True, now_ms=T) == [
        True,
        True,
        False,
    ]
    assert await join_plain(state, sale, ["c"], before_opening=True, now_ms=T) == [True]
    assert sorted(await state.pre_queue(sale)) == [("a", 1), ("b", 2), ("c", 3)]
    assert await join_plain(state, sale, ["late"], before_opening=False, now_ms=T) == [True]
    (pre, late) = await state.standings(sale, ["a", "late"], T)
    assert pre == Standing(Place.PRE_QUEUE) and late == Standing(Place.IN_LINE)
    assert await state.seal(sale, ["b", "a"]) == -1  # not the pre-queue's customers
    assert await state.seal(sale, ["b", "a", "a"]) == -1
    assert await state.seal(sale, ["c", "a", "b"]) == 1
    assert await state.seal(sale, ["c", "a", "b"]) == 0
    assert await state.sealed_order(sale) == ["c", "a", "b"]
    assert await state.pre_queue(sale) == []
    await join_plain(state, sale, ["later", "c"], before_opening=True, now_ms=T)  # sealed: in line
    found = await state.standings(sale, ["c", "a", "b", "late", "later", "nobody"], T)
    assert [s.position for s in found] == [1, 2, 3, 4, 5, None]
    assert found[-1].place is Place.ABSENT
    summary = await state.summary(sale, T)
    assert (summary.sealed, summary.pre_queue, summary.joined, summary.cursor) == (True, 3, 5, 0)


async def test_admission_is_stock_aware_rated_and_spent_once(room: tuple[RoomState, str]) -> None:
    state, sale = room
    await join_plain(state, sale, [f"c{i}" for i in range(6)], before_opening=False, now_ms=T)
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
    assert await join_plain(state, sale, ["c1", "c0"], before_opening=False, now_ms=later) == [
        True,
        False,
    ]
    assert (await state.standings(sale, ["c1"], later))[0].position == 7


async def test_rate_limits_alike(adapter: RoomState) -> None:
    limiter = adapter.limiter
    sale = f"sale_contract_{uuid.uuid4().hex}"
    one, two = ("c:1", Limit(4, 2)), ("a:2", Limit(1, 5))
    assert [await limiter.acquire(sale, [one, two], T) for _ in range(3)] == [0, 0, 250]
    assert await limiter.acquire(sale, [two], T) == 0  # the refused group took nothing from it
    assert await limiter.acquire(sale, [one], T + 250) == 0
    assert await limiter.acquire(sale, [one], T + 250) == 250
    assert await limiter.acquire(f"{sale}_other", [one], T + 250) == 0  # a sale's own buckets
    # Concurrent callers of several sales (coalesced in Redis: one script per sale's slot).
    sales = [f"{sale}_{n}" for n in range(3)]
    waits = await asyncio.gather(*(limiter.acquire(s, [one], T) for s in sales * 3))
    assert waits == [0] * 6 + [250] * 3


async def test_enter_checked_takes_tokens_then_registration_cap_and_join(
    room: tuple[RoomState, str],
) -> None:
    state, sale = room
    limiter = state.limiter
    tight, cap = ("a:10.0.0.1", Limit(1, 1)), ("r:10.0.0.1", Limit(1 / 86400, 2))

    async def enter(*entries: Entry, now: int = T) -> list[Entered]:
        return await state.enter_checked(sale, entries, before_opening=False, now_ms=now)

    # Not known registered: the tokens are taken, nobody is queued (memory never knows; Redis
    # reads the gate's registrations, which hold none for this sale).
    assert await enter(Entry("a", [tight], cap)) == [Entered(Verdict.UNCONFIRMED)]
    assert await state.standings(sale, ["a"], T) == [Standing()]
    (a, a2, b, c) = await enter(
        Entry("a", [tight], cap, registered=True),  # the bucket's one token went on the first
        Entry("a", (), cap, registered=True),
        Entry("b", (), cap, registered=True),
        Entry("c", (), cap, registered=True),  # the address's second customer was its last
    )
    assert a == Entered(Verdict.LIMITED, 1000)
    assert a2 == Entered(Verdict.OK, 0, True, Standing(Place.IN_LINE))
    assert b == Entered(Verdict.OK, 0, True, Standing(Place.IN_LINE))
    assert c == Entered(Verdict.CAP_REACHED)
    # In line already: the cap is not taken again.
    assert await enter(Entry("a", (), cap, registered=True)) == [
        Entered(Verdict.OK, 0, False, Standing(Place.IN_LINE))
    ]
    # The buckets are the limiter's: the purchase path counts in the same ones.
    assert await limiter.acquire(sale, [tight], T) == 1000
    assert await limiter.acquire(sale, [tight], T + 1000) == 0
    assert await enter(Entry("d", [tight], registered=True), now=T + 1000) == [
        Entered(Verdict.LIMITED, 1000)
    ]
    await state.seal(sale, [])
    (d,) = await enter(Entry("d", [tight], registered=True), now=T + 2000)
    assert d == Entered(Verdict.OK, 0, True, Standing(Place.IN_LINE, 3))


async def test_standings_checked_take_tokens_then_read(
    room: tuple[RoomState, str],
) -> None:
    state, sale = room
    limiter = state.limiter
    await join_plain(state, sale, ["a"], before_opening=True, now_ms=T)
    one = [("c:a", Limit(1, 1))]
    assert await state.standings_checked(sale, [("a", one), ("a", one), ("b", ())], T) == [
        (0, Standing(Place.PRE_QUEUE)),
        (1000, Standing()),
        (0, Standing()),
    ]
    assert await limiter.acquire(sale, one, T + 500) == 500
    # Single callers (coalesced in Redis) answer as a batch does.
    reads = await asyncio.gather(
        *(state.standings_checked(sale, [(c, ())], T) for c in ["a", "b", "a"])
    )
    pre, absent = (0, Standing(Place.PRE_QUEUE)), (0, Standing())
    assert [r for (r,) in reads] == [pre, absent, pre]


async def test_a_join_answers_the_standing_it_left(room: tuple[RoomState, str]) -> None:
    state, sale = room
    entered = await enter_plain(state, sale, ["a", "b", "a"], before_opening=True, now_ms=T)
    assert [new for new, _ in entered] == [True, True, False]
    assert [s for _, s in entered] == [Standing(Place.PRE_QUEUE)] * 3
    (late,) = await enter_plain(state, sale, ["late"], before_opening=False, now_ms=T)
    assert late == (True, Standing(Place.IN_LINE))  # no position before the seal
    assert await state.seal(sale, ["b", "a"]) == 1
    await state.admit(sale, SETTINGS, 10, T)
    await state.admit(sale, SETTINGS, 10, T + 1000)  # a second's allowance admits them all
    again, later = await enter_plain(
        state, sale, ["a", "later"], before_opening=False, now_ms=T + 1000
    )
    assert again[0] is False and again[1].position == 2 and again[1].admitted_until_ms
    assert later == (True, Standing(Place.IN_LINE, 4))
    # The standings of a batch of single callers (coalesced in Redis) match a direct read.
    singles = await asyncio.gather(
        *(enter_plain(state, sale, [c], before_opening=False, now_ms=T + 1000) for c in CUSTOMERS)
    )
    assert [s for ((_, s),) in singles] == await state.standings(sale, CUSTOMERS, T + 1000)


CUSTOMERS = ["b", "late", "later", "new"]


async def test_a_batch_may_name_any_number_of_limits(
    room: tuple[RoomState, str],
) -> None:
    """More distinct limits than one Redis call's table holds: the batch is split, not wrong."""
    state, sale = room
    limiter = state.limiter
    limits = [Limit(1 + n, 1) for n in range(100)]
    expected = [retry_after_ms(0.0, limit) for limit in limits]
    buckets = [[(f"c:{n}", limit)] for n, limit in enumerate(limits)]
    assert await asyncio.gather(*(limiter.acquire(sale, b, T) for b in buckets)) == [0] * 100
    assert await asyncio.gather(*(limiter.acquire(sale, b, T) for b in buckets)) == expected
    entries = [Entry(f"c{n}", b, registered=True) for n, b in enumerate(buckets)]
    entered = await state.enter_checked(sale, entries, before_opening=False, now_ms=T)
    assert [e.wait_ms for e in entered] == expected
    later = T + 1000
    entered = await state.enter_checked(sale, entries, before_opening=False, now_ms=later)
    assert {e.verdict for e in entered} == {Verdict.OK}
    reads = [(f"c{n}", b) for n, b in enumerate(buckets)]
    assert await state.standings_checked(sale, reads, later) == [
        (wait, Standing()) for wait in expected
    ]


@pytest.mark.parametrize("buckets", [1, 3])
async def test_redis_reads_registrations_from_the_gate_in_the_sale_slot(
    room: tuple[RoomState, str],
    request: pytest.FixtureRequest,
    buckets: int,
) -> None:
    """The gate's registrations confirm a join in the same script; a customer kept in another
    bucket of a bucketed gate, or not in the gate at all, is left to the record."""
    from flashsale.platform.redis.sale_keys import SaleKeys, home_bucket
    from flashsale.sales.adapters.redis_gate import RedisStockGate

    state, sale = room
    if isinstance(state, MemoryRoomState):
        pytest.skip("the in-process room leaves registrations to the record")
    fixture = "redis_cluster_url" if "cluster" in request.node.callspec.id else "redis_server_url"
    gate = await RedisStockGate.connect(request.getfixturevalue(fixture), buckets=buckets)
    customers = [f"cus_{n}" for n in range(12)]
    try:
        await gate.register(sale, customers[:8])
        entered = await state.enter_checked(
            sale,
            [Entry(c, [("c:" + c, Limit(1, 1))]) for c in customers],
            before_opening=False,
            now_ms=T,
        )
        home = [c in customers[:8] and home_bucket(c, buckets) == 0 for c in customers]
        assert [e.verdict is Verdict.OK for e in entered] == home
        assert {e.verdict for e, h in zip(entered, home, strict=True) if not h} == {
            Verdict.UNCONFIRMED
        }
        assert any(home) and not all(home[:8]) if buckets > 1 else all(home[:8])
    finally:
        for bucket in range(buckets):
            await gate._redis.unlink(*SaleKeys.of(sale, bucket).all)
        await gate.close()
