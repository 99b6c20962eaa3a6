"""The world every repository contract stores its records in: a market pair, the Mi Band,
some customers and one sale, and the orders and payments of that sale."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.customers.model import Customer
from flashsale.kernel.money import Money
from flashsale.orders.domain.order import Order, OrderStatus, Payment, PaymentStatus
from flashsale.record.store import Store
from flashsale.sales.domain.sale import FlashSale

T0 = datetime(2025, 11, 23, 10, 0, 0, 123456, tzinfo=UTC)
WINDOW = timedelta(minutes=15)
INDIA = Market("IN", "India", "INR", "en_IN")
SPAIN = Market("ES", "España", "EUR", "es_ES")
BAND_PRICE = Money(Decimal("999.00"), "INR")


def band() -> Product:
    return Product(
        id="prod_band",
        name="Mi Band 3",
        variants=(
            Variant(
                "MIBAND3-BLK",
                "prod_band",
                {"colour": "black"},
                {"IN": BAND_PRICE, "ES": Money(Decimal("0.10"), "EUR")},
            ),
            Variant("MIBAND3-ORG", "prod_band", {"colour": "orange"}, {"IN": BAND_PRICE}),
        ),
    )


def customer(n: int, market: str = "IN") -> Customer:
    return Customer(f"cus_{n}", f"fan{n}@example.com", "argon2-hash", market, T0)


def sale(sale_id: str = "sale_band", limit: int = 2) -> FlashSale:
    return FlashSale(
        id=sale_id,
        sku="MIBAND3-BLK",
        market_code="IN",
        price=BAND_PRICE,
        stock_total=10_000,
        per_customer_limit=limit,
        registration_opens_at=T0 - timedelta(days=7),
        registration_closes_at=T0 - timedelta(hours=1),
        opens_at=T0,
        closes_at=T0 + timedelta(hours=2),
        payment_window=WINDOW,
    )


def order(
    order_id: str,
    customer_n: int = 1,
    *,
    quantity: int = 1,
    key: str | None = None,
    created_at: datetime = T0,
    status: OrderStatus = OrderStatus.RESERVED,
    sale_id: str = "sale_band",
    amount: Money = BAND_PRICE,
) -> Order:
    return Order(
        id=order_id,
        sale_id=sale_id,
        customer_id=f"cus_{customer_n}",
        sku="MIBAND3-BLK",
        quantity=quantity,
        amount=amount.times(quantity),
        status=status,
        created_at=created_at,
        expires_at=created_at + WINDOW,
        paid_at=created_at if status is OrderStatus.PAID else None,
        idempotency_key=key,
    )


def payment_for(o: Order, at: datetime, amount: Money | None = None) -> Payment:
    return Payment(
        id=f"pay_{o.id}",
        order_id=o.id,
        amount=amount or o.amount,
        status=PaymentStatus.SUCCEEDED,
        gateway_reference=f"ref_{o.id}",
        created_at=at,
    )


async def world(store: Store, customers: int = 3, limit: int = 2) -> None:
    """A market pair, the Mi Band, some customers and one sale: what orders refer to."""
    await store.add_markets([INDIA, SPAIN])
    await store.add_product(band())
    await store.add_customers([customer(n) for n in range(1, customers + 1)])
    await store.add_sale(sale(limit=limit))


async def stocked_world(store: Store, stock: int, limit: int = 1, customers: int = 40) -> None:
    await world(store, customers=customers)
    await store.replace_sale(replace(sale(limit=limit), stock_total=stock))


async def feed_caught_up(
    store: Store, deadline_seconds: float = 30.0, table: str = "order_events"
) -> None:
    """Wait until every event stored so far in ``table`` (a feed read by ``(xid, seq)``: the
    orders' or the desk's ``case_events``) is readable.

    On PostgreSQL the feed is read below the oldest transaction running anywhere on the server
    (orders/adapters/sql_events.py): another test process's, or a background task's, may hold
    it back for a moment. Elsewhere it is readable at once.
    """
    from sqlalchemy import text

    from flashsale.record.sql_store import SqlStore

    if not isinstance(store, SqlStore) or store.engine.dialect.name != "postgresql":
        return
    readable = text(
        "SELECT coalesce(max(xid), 0) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
        f" FROM {table}"
    )
    waited = 0.0
    while True:
        async with store.engine.connect() as conn:
            if (await conn.execute(readable)).scalar_one():
                return
        assert waited < deadline_seconds, "a transaction held the event feed back too long"
        await asyncio.sleep(0.05)
        waited += 0.05
