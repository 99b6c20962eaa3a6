"""Baseline (b): ``SELECT ... FOR UPDATE`` on one PostgreSQL stock row per purchase.

What a shop without a stock gate does (Saleor-style stock allocation): each purchase is one
transaction that checks the registration, locks the sale's stock row, sums what the buyer
holds, decrements the row and inserts the order, then commits. Correct, and every purchase of
the sale queues on that one row lock for the length of a durable commit.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg
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

STOCK_TABLE = "baseline_stock"
REGISTERED = "SELECT 1 FROM registrations WHERE sale_id = $1 AND customer_id = $2"
LOCK_STOCK = f"SELECT stock_left FROM {STOCK_TABLE} WHERE sale_id = $1 FOR UPDATE"
HELD = (
    "SELECT coalesce(sum(quantity), 0) FROM orders"
    " WHERE sale_id = $1 AND customer_id = $2 AND status IN ('reserved', 'paid')"
)
TAKE = f"UPDATE {STOCK_TABLE} SET stock_left = stock_left - $2 WHERE sale_id = $1"


async def create_stock_row(pool: asyncpg.Pool, sale_id: str, stock: int) -> None:
    """The one row every purchase locks (the benchmark calls this once, before serving)."""
    await pool.execute(
        f"CREATE TABLE IF NOT EXISTS {STOCK_TABLE}"
        " (sale_id varchar(64) PRIMARY KEY REFERENCES sales (id), stock_left integer NOT NULL)"
    )
    await pool.execute(
        f"INSERT INTO {STOCK_TABLE} VALUES ($1, $2)"
        " ON CONFLICT (sale_id) DO UPDATE SET stock_left = EXCLUDED.stock_left",
        sale_id,
        stock,
    )


class RowLockPurchases:
    def __init__(self, config: Config) -> None:
        self._config = config
        self._tokens = SessionTokens(derive_key(config.secret, SESSION), 24 * 3600)
        self._pool: asyncpg.Pool | None = None
        self._sale: Sale | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self._pool = await open_pool(self._config)
        self._sale = await load_sale(self._pool, self._config.sale_id)
        tune_for_serving()  # as flashsale's serve does: compare purchase paths, not gc settings
        try:
            yield
        finally:
            await self._pool.close()

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
        try:
            async with pool.acquire() as conn, conn.transaction():
                if await conn.fetchval(REGISTERED, sale.id, purchase.customer_id) is None:
                    return problem(403, "not-registered")
                left = await conn.fetchval(LOCK_STOCK, sale.id)
                held = await conn.fetchval(HELD, sale.id, purchase.customer_id)
                if held + purchase.quantity > sale.per_customer_limit:
                    return problem(409, "limit-reached")
                if left < purchase.quantity:
                    return problem(409, "sold-out")
                await conn.execute(TAKE, sale.id, purchase.quantity)
                values = order_values(sale, purchase)
                await conn.execute(INSERT_ORDER, *values)
        except (OSError, asyncpg.PostgresError):
            return problem(503, "commit-failed")
        return created(values)


def create_app() -> Starlette:
    purchases = RowLockPurchases(Config.from_environment())
    return baseline_app(purchases.purchase, purchases.lifespan)
