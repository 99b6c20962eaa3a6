"""Baseline (a): one Redis call and one PostgreSQL commit per purchase request.

What a naive implementation of "Redis as the stock gate, PostgreSQL as the record" does: for
each request, one redis-py ``EVALSHA`` of a Lua script that checks registration, the
per-customer limit and stock and takes the unit atomically (so it never oversells), then one
``INSERT`` in its own transaction (a durable commit per order), then the 201; if the insert
fails the unit is given back and the buyer gets 503. Nothing is coalesced: N concurrent
buyers are N Redis round trips and N commits. flashsale batches both.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from baselines.common import (
    INSERT_ORDER,
    Config,
    Sale,
    baseline_app,
    created,
    load_sale,
    open_pool,
    order_values,
    problem,
    purchase_of,
)
from flashsale.customers.security import SessionTokens
from flashsale.kernel.keys import SESSION, derive_key
from flashsale.platform.gc_tuning import tune_for_serving
from flashsale.platform.redis.client import open_redis

TAKE = """
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return -1 end
local quantity = tonumber(ARGV[2])
local held = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if held + quantity > tonumber(ARGV[3]) then return -2 end
if tonumber(redis.call('GET', KEYS[1]) or '0') < quantity then return -3 end
redis.call('DECRBY', KEYS[1], quantity)
redis.call('HINCRBY', KEYS[3], ARGV[1], quantity)
return 1
"""
GIVE_BACK = """
redis.call('INCRBY', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], ARGV[1], -tonumber(ARGV[2]))
return 1
"""
REFUSALS = {-1: (403, "not-registered"), -2: (409, "limit-reached"), -3: (409, "sold-out")}


def keys_of(sale_id: str) -> list[str]:
    tag = f"baseline:{{{sale_id}}}"
    return [f"{tag}:stock", f"{tag}:registered", f"{tag}:held"]


async def load_gate(redis: Redis, pool: asyncpg.Pool, sale_id: str, stock: int) -> None:
    """Stock and registrations into Redis (the benchmark calls this once, before serving)."""
    stock_key, registered_key, held_key = keys_of(sale_id)
    customers = [
        row["customer_id"]
        for row in await pool.fetch(
            "SELECT customer_id FROM registrations WHERE sale_id = $1", sale_id
        )
    ]
    await redis.delete(stock_key, registered_key, held_key)
    await redis.set(stock_key, stock)
    for start in range(0, len(customers), 10_000):
        await redis.sadd(registered_key, *customers[start : start + 10_000])


class NaiveRedisPurchases:
    def __init__(self, config: Config) -> None:
        self._config = config
        self._tokens = SessionTokens(derive_key(config.secret, SESSION), 24 * 3600)
        self._pool: asyncpg.Pool | None = None
        self._redis: Redis | None = None
        self._sale: Sale | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self._pool = await open_pool(self._config)
        # flashsale's own pool (blocking, 64 connections): redis-py's default pool refuses the
        # 101st concurrent call (MaxConnectionsError, a 500) at 256 wrk connections.
        redis = await open_redis(self._config.redis_url)
        assert isinstance(redis, Redis)
        self._redis = redis
        self._sale = await load_sale(self._pool, self._config.sale_id)
        self._take = self._redis.register_script(TAKE)
        self._give_back = self._redis.register_script(GIVE_BACK)
        tune_for_serving()  # as flashsale's serve does: compare purchase paths, not gc settings
        try:
            yield
        finally:
            await self._pool.close()
            await self._redis.aclose()

    async def purchase(self, request: Request) -> Response:
        sale, pool = self._sale, self._pool
        assert sale is not None and pool is not None
        if request.path_params["sale_id"] != sale.id:
            return problem(404, "not-found")
        purchase = await purchase_of(request, self._tokens)
        if isinstance(purchase, Response):
            return purchase
        if not sale.is_open(purchase.now):
            return problem(425, "not-open")
        keys = keys_of(sale.id)
        args: list[str | int] = [purchase.customer_id, purchase.quantity, sale.per_customer_limit]
        taken = int(await self._take(keys=keys, args=args))
        if taken != 1:
            return problem(*REFUSALS[taken])
        values = order_values(sale, purchase)
        try:
            await pool.execute(INSERT_ORDER, *values)
        except (OSError, asyncpg.PostgresError):
            await self._give_back(keys=keys, args=args)
            return problem(503, "commit-failed")
        return created(values)


def create_app() -> Starlette:
    purchases = NaiveRedisPurchases(Config.from_environment())
    return baseline_app(purchases.purchase, purchases.lifespan)
