"""What only the Redis gate has: coalesced round trips, big atomic loads, script reloading."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import BlockingConnectionPool, Redis

from flashsale.kernel.money import Money
from flashsale.platform.redis.sale_keys import SaleKeys
from flashsale.sales.adapters.redis_gate import RedisStockGate
from flashsale.sales.domain.purchase import PurchaseRequest, Refusal
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.errors import LimitReached, NotRegistered
from tests.gate_helpers import give_back_now, take

pytestmark = pytest.mark.redis

T0 = datetime(2030, 1, 1, tzinfo=UTC)
DURING = T0 + timedelta(hours=2, minutes=1)


class CountingRedis(Redis):
    """Counts commands sent on their own, one round trip each (pipelines do not pass here)."""

    sent = 0

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.sent += 1
        return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]


class Sales:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.ids: list[str] = []

    def new(self, *, stock: int = 1_000, limit: int = 1) -> FlashSale:
        sale = FlashSale(
            id=f"sale_it_{uuid.uuid4().hex}",
            sku="MI-A1",
            market_code="IN",
            price=Money.of("14999", "INR"),
            stock_total=stock,
            per_customer_limit=limit,
            registration_opens_at=T0,
            registration_closes_at=T0 + timedelta(hours=1),
            opens_at=T0 + timedelta(hours=2),
            closes_at=T0 + timedelta(hours=3),
        )
        self.ids.append(sale.id)
        return sale

    async def keys_of(self, sale_id: str) -> list[bytes]:
        return [key async for key in self.redis.scan_iter(match=f"fs:{{{sale_id}}}:*")]


@pytest.fixture
async def sales(redis_server_url: str) -> AsyncIterator[Sales]:
    redis = Redis.from_url(redis_server_url)
    made = Sales(redis)
    try:
        yield made
    finally:
        for sale_id in made.ids:
            await redis.delete(*SaleKeys.of(sale_id).all, *await made.keys_of(sale_id))
        await redis.aclose()


@pytest.fixture
async def open_gate(redis_server_url: str) -> AsyncIterator[Callable[..., RedisStockGate]]:
    gates: list[RedisStockGate] = []

    def make(**options: Any) -> RedisStockGate:
        pool = BlockingConnectionPool.from_url(redis_server_url, max_connections=64)
        gate = RedisStockGate(CountingRedis.from_pool(pool), **options)
        gates.append(gate)
        return gate

    yield make
    for gate in gates:
        await gate.close()


def sent(gate: RedisStockGate) -> int:
    client = gate._redis  # the counter lives on the client the test gave the gate
    assert isinstance(client, CountingRedis)
    return client.sent


async def test_concurrent_single_takes_share_round_trips(
    sales: Sales, open_gate: Callable[..., RedisStockGate]
) -> None:
    gate = open_gate()
    sale = sales.new(stock=1_000)
    customers = [f"fan{i}" for i in range(300)]
    await gate.load(sale, {}, customers)
    assert await take(gate, [PurchaseRequest(sale.id, "fan0", 1)], DURING) == [None]
    before = sent(gate)
    assert await take(gate, [PurchaseRequest(sale.id, "fan1", 1)], DURING) == [None]
    assert sent(gate) == before + 1  # a lone purchase: one script call

    outcomes = await asyncio.gather(
        *(take(gate, [PurchaseRequest(sale.id, c, 1)], DURING) for c in customers[2:])
    )

    assert outcomes == [[None]] * 298
    assert sent(gate) - before - 1 <= 10
    assert await gate.stock_left(sale.id) == 700


async def test_a_big_load_is_all_or_nothing_to_a_concurrent_taker(
    sales: Sales, open_gate: Callable[..., RedisStockGate]
) -> None:
    gate = open_gate()
    sale = sales.new(stock=500, limit=1)
    await gate.load(sale, {}, ["old-fan"])
    newcomers = [f"fan{i:06d}" for i in range(100_000)]
    probe = [
        PurchaseRequest(sale.id, newcomers[0], 1),
        PurchaseRequest(sale.id, newcomers[-1], 1),
        PurchaseRequest(sale.id, "old-fan", 1),
    ]
    views: list[str] = []
    loading = asyncio.Event()
    loaded = asyncio.Event()

    def view_of(outcomes: list[Refusal | None]) -> str:
        errors = [None if o is None else o.error for o in outcomes]
        if errors[:2] == [NotRegistered, NotRegistered] and errors[2] in (None, LimitReached):
            return "old"
        if NotRegistered not in errors[:2] and errors[2] is NotRegistered:
            return "new"
        return f"torn {errors}"

    async def taker() -> None:
        after_load = 0
        while after_load < 3:
            views.append(view_of(await take(gate, probe, DURING)))
            loading.set()
            after_load += loaded.is_set()

    async def loader() -> None:
        await loading.wait()
        await gate.load(sale, {}, newcomers)
        loaded.set()

    await asyncio.gather(taker(), loader())

    first_new = views.index("new")
    assert views[:first_new] == ["old"] * first_new
    assert views[first_new:] == ["new"] * (len(views) - first_new)
    assert first_new >= 1
    assert await gate._redis.scard(SaleKeys.of(sale.id).reg) == 100_000
    assert await gate.stock_left(sale.id) == 498  # the two newcomers of the probe
    keys = SaleKeys.of(sale.id)
    assert sorted(await sales.keys_of(sale.id)) == sorted(
        k.encode() for k in [*keys.all, keys.generation]
    )


async def test_scripts_come_back_after_script_flush(
    sales: Sales, open_gate: Callable[..., RedisStockGate]
) -> None:
    gate = open_gate()
    one, two = sales.new(stock=10, limit=5), sales.new(stock=10, limit=5)

    await gate._redis.script_flush()
    await gate.load(one, {}, ["ann", "ben"])
    await gate.load(two, {}, ["ann", "ben"])
    await gate._redis.script_flush()
    single = await take(gate, [PurchaseRequest(one.id, "ann", 2)], DURING)
    await gate._redis.script_flush()
    mixed = await take(
        gate, [PurchaseRequest(one.id, "ben", 3), PurchaseRequest(two.id, "ann", 4)], DURING
    )
    await gate._redis.script_flush()
    await give_back_now(
        gate, [PurchaseRequest(one.id, "ann", 2), PurchaseRequest(two.id, "ann", 1)]
    )

    assert single == [None]
    assert mixed == [None, None]
    assert await gate.stock_left(one.id) == 7
    assert await gate.stock_left(two.id) == 7
