"""Orders committed per second on PostgreSQL, by batch size: the group commit's statement.

    python benchmarks/pg_commit.py [--server-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
                                   [--seconds 2] [--runs 3] [--batches 1,64,512]

In a scratch database on the server (dropped afterwards), one committer inserts batches of
orders back to back, each batch one transaction, as the purchase path's group commit does.
Three ways, alternating, in the same run:

- before: SQLAlchemy Core ``insert(orders).on_conflict_do_nothing().returning(id)`` executed
  with a list of rows ("insertmanyvalues": multi-row VALUES, 13 bound parameters per row),
  which is what ``SqlStore.insert_orders`` did on PostgreSQL until pg_orders.py;
- unnest: one ``INSERT ... SELECT FROM unnest($1::text[], ..., $13::text[])``, the batch as 13
  typed arrays (the alternative pg_orders.py was measured against);
- now: ``SqlStore.insert_orders`` (one ``INSERT ... SELECT FROM json_populate_recordset``).

All three are one transaction per batch, ON CONFLICT on the idempotency key, RETURNING id.

Both include turning the domain orders into rows and the commit; the server's
synchronous_commit is printed beside the figures (a durable commit waits for the WAL flush).
Medians of ``--runs``. Load goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.customers.model import Customer
from flashsale.kernel.ids import new_id
from flashsale.kernel.money import Money
from flashsale.lab.devtools.postgres_instance import scratch_database
from flashsale.orders.adapters import sql_rows as rows
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.record.schema import orders
from flashsale.record.sql_store import SqlStore
from flashsale.sales.domain.sale import FlashSale

DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PRICE = Money.of("999.00", "INR")
BEFORE, UNNEST, NOW = "before (insertmanyvalues)", "unnest (13 arrays)", "now (json recordset)"
Insert = Callable[[Sequence[Order]], Awaitable[object]]


async def seed(store: SqlStore, customers: int) -> tuple[FlashSale, list[str]]:
    now = datetime.now(UTC)
    await store.add_markets([Market("IN", "India", "INR", "en_IN")])
    band = Variant("MIBAND2", "prod_band", {}, {"IN": PRICE})
    await store.add_product(Product("prod_band", "Mi Band 2", (band,)))
    sale = FlashSale(
        id=new_id("sale"),
        sku="MIBAND2",
        market_code="IN",
        price=PRICE,
        stock_total=10_000_000,
        per_customer_limit=1,
        registration_opens_at=now - timedelta(hours=2),
        registration_closes_at=now - timedelta(hours=1),
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=1),
    )
    await store.add_sale(sale)
    ids = [new_id("cus") for _ in range(customers)]
    await store.add_customers(
        [Customer(c, f"fan{i}@bench.example", "x", "IN", now) for i, c in enumerate(ids)]
    )
    return sale, ids


def batch_of(sale: FlashSale, customers: list[str], size: int) -> list[Order]:
    now = datetime.now(UTC)
    return [
        Order(
            id=new_id("ord"),
            sale_id=sale.id,
            customer_id=customers[n % len(customers)],
            sku=sale.sku,
            quantity=1,
            amount=PRICE,
            status=OrderStatus.RESERVED,
            created_at=now,
            expires_at=now + sale.payment_window,
            idempotency_key=new_id("key"),  # as a keyed purchase: the unique index is checked
        )
        for n in range(size)
    ]


async def orders_per_second(
    insert: Insert, sale: FlashSale, customers: list[str], size: int, seconds: float
) -> tuple[float, float]:
    """Orders stored per second, and the client's CPU µs per order (making the orders aside)."""
    stored, cpu = 0, 0.0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        batch = batch_of(sale, customers, size)
        cpu_before = time.process_time()
        await insert(batch)
        cpu += time.process_time() - cpu_before
        stored += len(batch)
    return stored / (time.perf_counter() - started), cpu / stored * 1e6


def before_path(store: SqlStore) -> Insert:
    statement = (
        postgresql.insert(orders)
        .on_conflict_do_nothing(index_elements=["customer_id", "idempotency_key"])
        .returning(orders.c.id)
    )

    async def insert(batch: Sequence[Order]) -> set[str]:
        async with store.engine.begin() as conn:
            result = await conn.execute(statement, [rows.order_row(o) for o in batch])
            return set(result.scalars())

    return insert


def unnest_path(store: SqlStore) -> Insert:
    dialect = store.engine.dialect
    columns = list(orders.columns)
    processors = [column.type._cached_bind_processor(dialect) for column in columns]
    arrays = ", ".join(
        f"${n}::{'TEXT' if isinstance(c.type, String) else c.type.compile(dialect=dialect)}[]"
        for n, c in enumerate(columns, 1)
    )
    names = ", ".join(c.name for c in columns)
    sql = (
        f"INSERT INTO orders ({names}) SELECT * FROM unnest({arrays})"
        " ON CONFLICT (customer_id, idempotency_key) DO NOTHING RETURNING id"
    )

    async def insert(batch: Sequence[Order]) -> set[str]:
        table = [rows.order_row(o) for o in batch]
        values = tuple(
            [row[c.name] if p is None or row[c.name] is None else p(row[c.name]) for row in table]
            for c, p in zip(columns, processors, strict=True)
        )
        async with store.engine.begin() as conn:
            return set((await conn.exec_driver_sql(sql, values)).scalars())

    return insert


async def main(server_url: str, seconds: float, runs: int, sizes: list[int]) -> None:
    if make_url(server_url).host not in LOOPBACK:
        raise SystemExit("benchmarks send load to 127.0.0.1 only")
    async with scratch_database(server_url) as url:
        store = await SqlStore.open(url)
        try:
            sale, customers = await seed(store, max(sizes))
            async with store.engine.connect() as conn:
                sync = (await conn.execute(text("SHOW synchronous_commit"))).scalar_one()
            paths: dict[str, Insert] = {
                BEFORE: before_path(store),
                UNNEST: unnest_path(store),
                NOW: store.insert_orders,
            }
            for insert in paths.values():  # warm-up: connections, prepared statements
                await insert(batch_of(sale, customers, 8))
            figures: dict[tuple[str, int], list[tuple[float, float]]] = {}
            for size in sizes:
                for run in range(runs):
                    for name, insert in paths.items():
                        rate, cpu = await orders_per_second(insert, sale, customers, size, seconds)
                        figures.setdefault((name, size), []).append((rate, cpu))
                        print(
                            f"batch {size:>4} run {run + 1} {name:<27}{rate:>10,.0f} orders/s"
                            f" {cpu:>6.1f} µs CPU/order",
                            flush=True,
                        )
        finally:
            await store.close()

    print()
    print(f"one committer, batches back to back, synchronous_commit={sync}, medians of {runs}")
    print("orders committed per second (client CPU µs per order)")
    print(f"{'batch':>6}{'before':>20}{'unnest':>20}{'now':>20}{'now/before':>12}")
    for size in sizes:
        shown = []
        for name in (BEFORE, UNNEST, NOW):
            rate = statistics.median(r for r, _ in figures[name, size])
            cpu = statistics.median(c for _, c in figures[name, size])
            shown.append(rate)
            print(f"{size:>6}" if name == BEFORE else "", end="")
            print(f"{rate:>12,.0f} ({cpu:>4.1f})", end="")
        print(f"{shown[2] / shown[0]:>12.2f}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", default=DEFAULT_SERVER)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batches", default="1,64,512")
    args = parser.parse_args()
    sizes = [int(size) for size in args.batches.split(",")]
    asyncio.run(main(args.server_url, args.seconds, args.runs, sizes))


if __name__ == "__main__":
    cli()
