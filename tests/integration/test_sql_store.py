"""The SQL store on real engines: durability settings, reopening, concurrency, big batches."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from flashsale.kernel.errors import Conflict
from flashsale.orders.domain.order import OrderStatus
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from tests.conftest import sqlite_url
from tests.contract.conftest import fresh_postgres_database
from tests.contract.record_world import (
    INDIA,
    SPAIN,
    T0,
    band,
    customer,
    order,
    payment_for,
    sale,
)


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "flashsale.db"
    asyncio.run(upgrade_database(sqlite_url(path)))
    return path


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    with fresh_postgres_database(postgres_server_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return sqlite_url(request.getfixturevalue("sqlite_file"))
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    opened = await SqlStore.open(database_url)
    try:
        yield opened
    finally:
        await opened.close()


POPULATED_SALE = replace(sale(limit=10_000), stock_total=100_000)


async def populate(store: SqlStore, customers: int) -> None:
    await store.add_markets([INDIA, SPAIN])
    await store.add_product(band())
    await store.add_customers([customer(n) for n in range(customers)])
    # Limit and stock high enough for every batch here: these tests are about the SQL.
    await store.add_sale(POPULATED_SALE)


async def pragma(store: SqlStore, name: str) -> object:
    async with store.engine.connect() as conn:
        return (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar_one()


@pytest.mark.parametrize(("level", "number"), [("FULL", 2), ("NORMAL", 1)])
async def test_sqlite_is_wal_with_the_asked_synchronous_level(
    sqlite_file: Path, level: str, number: int
) -> None:
    store = await SqlStore.open(sqlite_url(sqlite_file), sqlite_synchronous=level)
    try:
        assert await pragma(store, "journal_mode") == "wal"
        assert await pragma(store, "synchronous") == number
        assert await pragma(store, "foreign_keys") == 1
        assert await pragma(store, "busy_timeout") == 30_000
    finally:
        await store.close()


async def test_full_is_the_default_and_unknown_levels_are_refused(sqlite_file: Path) -> None:
    store = await SqlStore.open(sqlite_url(sqlite_file))
    try:
        assert await pragma(store, "synchronous") == 2
    finally:
        await store.close()
    with pytest.raises(ValueError, match="synchronous"):
        await SqlStore.open(sqlite_url(sqlite_file), sqlite_synchronous="FULL; DROP TABLE orders")


async def test_connections_opening_a_new_file_at_once_all_get_wal(tmp_path: Path) -> None:
    # SQLite applies no busy timeout to the switch to WAL, so this raced before a retry.
    for attempt in range(10):
        url = sqlite_url(tmp_path / f"new-{attempt}.db")
        stores = [await SqlStore.open(url) for _ in range(4)]
        try:
            modes = await asyncio.gather(*(pragma(s, "journal_mode") for s in stores))
            assert modes == ["wal"] * 4
        finally:
            for opened in stores:
                await opened.close()


async def test_data_survives_closing_and_reopening(database_url: str) -> None:
    store = await SqlStore.open(database_url)
    await populate(store, customers=2)
    reserved, other = order("ord_1", 1, key="k"), order("ord_2", 0)
    await store.insert_orders([reserved, other])
    payment = payment_for(reserved, T0 + timedelta(minutes=1))
    assert await store.mark_paid([payment])
    await store.close()

    reopened = await SqlStore.open(database_url)
    try:
        assert await reopened.order("ord_1") == replace(
            reserved, status=OrderStatus.PAID, paid_at=payment.created_at
        )
        assert await reopened.payment_of("ord_1") == payment
        assert await reopened.order("ord_2") == other
        assert await reopened.sale("sale_band") == POPULATED_SALE
        assert await reopened.products() == [band()]
    finally:
        await reopened.close()


async def test_concurrent_batches_lose_nothing(store: SqlStore) -> None:
    await populate(store, customers=40)
    batches = [
        [order(f"ord_{task}_{n}", task, key=f"k{n}") for n in range(25)] for task in range(40)
    ]
    stored = await asyncio.gather(*(store.insert_orders(b) for b in batches))
    assert [len(s.stored) for s in stored] == [25] * 40
    held = await store.held_by_customer("sale_band")
    assert held == {f"cus_{task}": 25 for task in range(40)}
    # Replaying every batch at once is harmless: each key is stored already.
    replayed = await asyncio.gather(
        *(store.insert_orders([replace(o, id=o.id + "_again") for o in b]) for b in batches)
    )
    assert [p.stored for p in replayed] == [set()] * 40


async def test_a_batch_bigger_than_one_statement_is_one_transaction(store: SqlStore) -> None:
    # 3,000 orders of 13 columns pass every engine's bound-parameter limit, so the insert is
    # sent as several statements; they must still commit or fail together.
    await populate(store, customers=300)
    batch = [order(f"ord_{n}", n % 300, key=f"k{n}") for n in range(3000)]
    await store.insert_orders([batch[-1]])
    doomed = [*batch[:-1], replace(batch[-1], idempotency_key="fresh")]  # its id is taken
    with pytest.raises(Conflict):
        await store.insert_orders(doomed)
    assert sum((await store.held_by_customer("sale_band")).values()) == 1

    assert (await store.insert_orders(batch)).stored == {o.id for o in batch[:-1]}
    assert sum((await store.held_by_customer("sale_band")).values()) == 3000


async def test_a_500_order_batch_on_postgres(postgres_url: str) -> None:
    store = await SqlStore.open(postgres_url)
    try:
        await populate(store, customers=500)
        batch = [order(f"ord_{n}", n, key="buy") for n in range(500)]
        assert (await store.insert_orders(batch)).stored == {o.id for o in batch}
        assert len(await store.orders_of_sale("sale_band", limit=1000)) == 500
        due = [o for o, _ in await store.due_for_expiry(T0 + timedelta(hours=1), 1000)]
        assert len(await store.close_orders(due, OrderStatus.EXPIRED, T0)) == 500
    finally:
        await store.close()


async def test_other_offsets_are_stored_as_the_same_instant_in_utc(store: SqlStore) -> None:
    await populate(store, customers=1)
    kolkata = timezone(timedelta(hours=5, minutes=30))
    local = datetime(2025, 11, 23, 15, 30, 0, 250000, tzinfo=kolkata)
    await store.insert_orders([order("ord_local", 0, created_at=local)])
    stored = await store.order("ord_local")
    assert stored is not None
    assert stored.created_at == local
    assert stored.created_at.tzinfo is UTC
    assert stored.created_at == datetime(2025, 11, 23, 10, 0, 0, 250000, tzinfo=UTC)


async def test_bulk_customers_and_registrations(store: SqlStore) -> None:
    await store.add_markets([INDIA, SPAIN])
    await store.add_product(band())
    await store.add_sale(sale())
    await store.add_customers([customer(n) for n in range(5000)])
    ids = [f"cus_{n}" for n in range(5000)]
    assert await store.add_registrations("sale_band", ids, T0) == 5000
    assert await store.add_registrations("sale_band", ids, T0) == 0
    async with store.engine.connect() as conn:
        count = await conn.execute(text("SELECT COUNT(*) FROM registrations"))
        assert count.scalar_one() == 5000
