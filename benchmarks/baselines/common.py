"""What both baselines share with each other and with flashsale's own purchase route.

The same session tokens (flashsale's ``SessionTokens``, with its cache of verified tokens),
the same JSON body, the same ``orders`` table and the same 201 answer, so that the figures
differ by how stock is taken and orders are committed, not by the HTTP edge. Configured by
environment variables, read once when a worker builds its app:

    BASELINE_DATABASE_URL  postgresql://... (the benchmark's scratch database)
    BASELINE_REDIS_URL     redis://...      (naive_redis only)
    BASELINE_SECRET        flashsale's FLASHSALE_SECRET_KEY of the run
    BASELINE_SALE_ID       the sale this baseline sells (its own, so flashsale's audit stays clean)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flashsale.customers.security import SessionTokens
from flashsale.kernel.errors import AuthenticationFailed
from flashsale.kernel.ids import new_id

INSERT_ORDER = (
    "INSERT INTO orders (id, sale_id, customer_id, sku, quantity, amount, currency, status,"
    " created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'reserved', $8, $9)"
)
# As many connections per process as SQLAlchemy's default pool gives flashsale (5 + 10).
POOL_SIZE = 15


@dataclass(frozen=True, slots=True)
class Sale:
    id: str
    sku: str
    price: Decimal
    currency: str
    per_customer_limit: int
    opens_at: datetime
    closes_at: datetime
    payment_window: timedelta

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


@dataclass(frozen=True, slots=True)
class Config:
    database_url: str
    redis_url: str
    secret: str
    sale_id: str

    @classmethod
    def from_environment(cls) -> Config:
        return cls(
            database_url=os.environ["BASELINE_DATABASE_URL"].replace("+asyncpg", ""),
            redis_url=os.environ.get("BASELINE_REDIS_URL", ""),
            secret=os.environ["BASELINE_SECRET"],
            sale_id=os.environ["BASELINE_SALE_ID"],
        )


async def open_pool(config: Config) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(config.database_url, min_size=2, max_size=POOL_SIZE)
    assert pool is not None
    return pool


async def load_sale(pool: asyncpg.Pool, sale_id: str) -> Sale:
    row = await pool.fetchrow("SELECT * FROM sales WHERE id = $1", sale_id)
    assert row is not None, f"no sale {sale_id}"
    return Sale(
        id=row["id"],
        sku=row["sku"],
        price=row["price_amount"],
        currency=row["price_currency"],
        per_customer_limit=row["per_customer_limit"],
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        payment_window=timedelta(seconds=row["payment_window_seconds"]),
    )


def problem(status: int, code: str) -> Response:
    body = orjson.dumps({"type": f"/problems/{code}", "status": status})
    return Response(body, status, media_type="application/problem+json")


@dataclass(frozen=True, slots=True)
class Purchase:
    customer_id: str
    quantity: int
    now: datetime


async def purchase_of(request: Request, tokens: SessionTokens) -> Purchase | Response:
    """The buyer and the quantity, or the refusal to answer with."""
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return problem(401, "unauthenticated")
    try:
        customer_id = tokens.claim(header[7:]).subject
    except AuthenticationFailed:
        return problem(401, "unauthenticated")
    try:
        quantity = orjson.loads(await request.body())["quantity"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return problem(422, "validation-error")
    if not isinstance(quantity, int) or not 0 < quantity <= 100:
        return problem(422, "validation-error")
    return Purchase(customer_id, quantity, datetime.now(UTC))


def order_values(sale: Sale, purchase: Purchase) -> tuple[object, ...]:
    return (
        new_id("ord"),
        sale.id,
        purchase.customer_id,
        sale.sku,
        purchase.quantity,
        sale.price * purchase.quantity,
        sale.currency,
        purchase.now,
        purchase.now + sale.payment_window,
    )


def created(values: tuple[object, ...]) -> Response:
    order_id, _, _, _, quantity, amount, currency, _, expires_at = values
    body = {
        "order_id": order_id,
        "status": "reserved",
        "quantity": quantity,
        "amount": str(amount),
        "currency": currency,
        "expires_at": expires_at,
    }
    return Response(orjson.dumps(body), 201, media_type="application/json")


Handler = Callable[[Request], Awaitable[Response]]
Lifespan = Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]


async def _health(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


def baseline_app(purchase: Handler, lifespan: Lifespan) -> Starlette:
    return Starlette(
        routes=[
            Route("/api/v1/sales/{sale_id}/purchases", purchase, methods=["POST"]),
            Route("/healthz", _health, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
