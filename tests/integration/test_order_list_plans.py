"""The console's order list reads an index in its order, never sorts the orders it matches:
EXPLAIN QUERY PLAN on SQLite and EXPLAIN on PostgreSQL of the statements the repository sends,
first pages and pages after a cursor, with every filter the page offers."""

from __future__ import annotations

import asyncio
import random
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.customers.model import Customer
from flashsale.kernel.money import Money
from flashsale.orders.adapters.sql_tables import orders
from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.domain.search import OrderCursor, OrderQuery
from flashsale.record.sql_store import SqlStore
from flashsale.sales.domain.sale import FlashSale
from tests.conftest import sqlite_url
from tests.contract.conftest import migrated_postgres_database

ORDERS = 4000
SALES = 8
T0 = datetime(2026, 1, 1, tzinfo=UTC)
LIST_INDEXES = (
    "ix_orders_created_at_id",
    "ix_orders_sale_id_created_at_id",
    "ix_orders_status_created_at_id",
)


@pytest.fixture(params=["sqlite", "postgres"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite_file: Path
) -> AsyncIterator[SqlStore]:
    if request.param == "sqlite":
        path = tmp_path / "orders.db"
        await asyncio.to_thread(shutil.copyfile, migrated_sqlite_file, path)
        opened = await SqlStore.open(sqlite_url(path))
        try:
            yield await seeded(opened)
        finally:
            await opened.close()
        return
    server: str = request.getfixturevalue("postgres_server_url")
    async with migrated_postgres_database(server) as url:
        opened = await SqlStore.open(url)
        try:
            yield await seeded(opened)
        finally:
            await opened.close()


async def seeded(store: SqlStore) -> SqlStore:
    """Orders of several sales, a second apart, mostly paid, as after a few sales."""
    price = Money.of("999.00", "INR")
    await store.add_markets([Market("IN", "India", "INR", "en_IN")])
    await store.add_product(
        Product("prod_band", "Band", (Variant("BAND", "prod_band", {}, {"IN": price}),))
    )
    sales = [
        FlashSale(
            id=f"sale_{n}",
            sku="BAND",
            market_code="IN",
            price=price,
            stock_total=ORDERS,
            per_customer_limit=5,
            registration_opens_at=T0,
            registration_closes_at=T0 + timedelta(hours=1),
            opens_at=T0 + timedelta(hours=1),
            closes_at=T0 + timedelta(days=30),
        )
        for n in range(SALES)
    ]
    for sale in sales:
        await store.add_sale(sale)
    customers = [Customer(f"cus_{n}", f"c{n}@example.com", "h", "IN", T0) for n in range(500)]
    await store.add_customers(customers)
    draw = random.Random(20)
    statuses = ["paid"] * 80 + ["expired"] * 15 + ["reserved"] * 4 + ["cancelled"]
    rows = [
        {
            "id": f"ord_{n:08d}",
            "sale_id": sales[draw.randrange(SALES)].id,
            "customer_id": customers[draw.randrange(len(customers))].id,
            "sku": "BAND",
            "quantity": 1,
            "amount": Decimal("999.00"),
            "currency": "INR",
            "status": draw.choice(statuses),
            "created_at": T0 + timedelta(hours=1, seconds=n),
            "expires_at": T0 + timedelta(hours=1, seconds=n + 900),
            "paid_at": None,
            "closed_at": None,
            "idempotency_key": None,
        }
        for n in range(ORDERS)
    ]
    async with store.engine.begin() as conn:
        await conn.execute(orders.insert(), rows)
        await conn.execute(text("ANALYZE"))
    return store


async def plan_of(store: SqlStore, query: OrderQuery) -> list[str]:
    """The plan of the statement ``search_orders`` sends for ``query``, one line per node."""
    sent: list[tuple[str, Any]] = []

    def grab(*args: Any) -> None:
        sent.append((args[2], args[3]))  # statement, parameters

    event.listen(store.engine.sync_engine, "before_cursor_execute", grab)
    try:
        found = await store.search_orders(query)
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", grab)
    assert found, "the query must match orders for its plan to mean anything"
    statement, parameters = sent[-1]
    async with store.engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        if store.engine.dialect.name == "postgresql":
            return [row[0] for row in await driver.fetch(f"EXPLAIN {statement}", *parameters)]
        cursor = await driver.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return [str(row[3]) for row in await cursor.fetchall()]


async def a_cursor(store: SqlStore) -> OrderCursor:
    """Where page 20 of every order ends: deep enough for a scan from the top to show."""
    newest = select(orders.c.created_at, orders.c.id).order_by(
        orders.c.created_at.desc(), orders.c.id.desc()
    )
    async with store.engine.connect() as conn:
        moment, order_id = (await conn.execute(newest.offset(1000).limit(1))).one()
    return OrderCursor(moment, order_id)


CASES: dict[str, tuple[dict[str, Any], str]] = {
    "every order": ({}, "ix_orders_created_at_id"),
    "one sale": ({"sale_ids": ("sale_3",)}, "ix_orders_sale_id_created_at_id"),
    "one status": ({"status": OrderStatus.PAID}, "ix_orders_status_created_at_id"),
}


@pytest.mark.parametrize("paged", [False, True], ids=["first page", "after a cursor"])
@pytest.mark.parametrize("case", list(CASES))
async def test_a_page_of_orders_reads_an_index_in_order(
    store: SqlStore, case: str, paged: bool
) -> None:
    filters, index = CASES[case]
    after = await a_cursor(store) if paged else None
    plan = await plan_of(store, OrderQuery(**filters, after=after, limit=51))
    shown = "\n".join(plan)
    assert not any("Sort" in line or "TEMP B-TREE" in line for line in plan), shown
    if store.engine.dialect.name == "sqlite":
        assert f"USING INDEX {index}" in shown, shown
        if paged:  # the scan starts at the cursor
            assert "created_at<" in shown, shown
    else:
        # PostgreSQL may prefer another of the list's indexes by its statistics; any of them
        # reads the orders newest first, and a page after a cursor starts there.
        assert any(f"Index Scan Backward using {name}" in shown for name in LIST_INDEXES), shown
        if paged:
            assert "Index Cond: " in shown and "created_at <=" in shown, shown


async def test_a_page_of_a_sale_and_a_status_sorts_no_more_than_it_shows(store: SqlStore) -> None:
    """Both filters: one index serves one of them in order, the other filters what it reads."""
    plan = await plan_of(store, OrderQuery(("sale_3",), OrderStatus.PAID, limit=51))
    assert not any("Sort" in line or "TEMP B-TREE" in line for line in plan), "\n".join(plan)
