"""Allocation: paid orders read from the order event feed, placed at 12 Chinese DCs by the
nearest strategy (31 provinces ranked), written in batches; against the naive allocator in the
same run.

    python benchmarks/fulfilment.py [--orders 3050000] [--runs 3] [--naive 5000]
                                    [--backend sqlite|postgres|both] [--batch 10000]

Seeds a database once per backend (SQLite in WAL with synchronous=FULL, as served; PostgreSQL
on FLASHSALE_TEST_DATABASE_URL's server) with the market, 6 SKUs with a sale each, the 12 DCs
of the demo with receipts, 10,000 customers and ``--orders`` paid single-unit orders with
addresses across the 31 provinces (weighted by population), each with its ``order.reserved``
and ``order.paid`` events. The seeding is not timed. Each run works on a fresh copy (a file
copy; ``CREATE DATABASE … TEMPLATE``):

- ours: ``Allocators.allocate_now`` end to end, as the worker runs it: the feed read a batch at
  a time after the stored cursor, each sale allotted on first sight, every order decided in
  memory from one snapshot, each batch written in one transaction (fulfilment orders, guarded
  level and allotment updates, the ledger's moves, the ``fulfilment.allocated`` events, the
  cursor), the next page read and decided while a batch is written. Goal: <= 60 s on
  PostgreSQL and <= 40 s on SQLite for 3,050,000 orders.
- naive: the first ``--naive`` orders of the same feed, one transaction per order: the stock
  rows of the candidate DCs read ``SELECT … FOR UPDATE`` (SQLite: under its write lock), the
  decision, the level's UPDATE, the fulfilment order's and the event's INSERTs, COMMIT.
  Goal: ours >= 100x it (at least 30x).

Every run of ours checks that each order has its fulfilment order and its event and that the
stock audit is clean. Medians of ``--runs``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import asyncpg
import orjson
import uvloop
from sqlalchemy.engine import make_url

from flashsale.bootstrap import build_shop
from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.config import Settings
from flashsale.fulfilment.ports import FeedEntry
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.kernel.clock import SystemClock
from flashsale.kernel.money import Money
from flashsale.lab.demo.warehouses import china_dcs
from flashsale.lab.devtools.postgres_instance import PostgresInstance
from flashsale.orders.domain.events import EventCursor
from flashsale.platform.gc_tuning import tune_for_serving
from flashsale.platform.sql.engine import configure_sqlite_connection
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from flashsale.sales.domain.sale import FlashSale

CHINA = Market("CN", "China", "CNY", "zh_CN", "Asia/Shanghai")
SKUS = [f"BENCH-{n}" for n in range(1, 7)]
CUSTOMERS = 10_000
CHUNK = 100_000
T0 = datetime(2015, 4, 8, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
# Province populations (millions, 2015, rounded): where the orders come from.
PROVINCES = {
    "GD": 108,
    "SD": 98,
    "HA": 95,
    "SC": 82,
    "JS": 80,
    "HE": 74,
    "HN": 68,
    "AH": 61,
    "HB": 58,
    "ZJ": 55,
    "GX": 48,
    "YN": 47,
    "JX": 45,
    "LN": 44,
    "FJ": 38,
    "SN": 38,
    "HL": 38,
    "SX": 37,
    "GZ": 35,
    "CQ": 30,
    "JL": 27,
    "GS": 26,
    "NM": 25,
    "XJ": 23,
    "SH": 24,
    "BJ": 22,
    "TJ": 15,
    "HI": 9,
    "NX": 7,
    "QH": 6,
    "XZ": 3,
}
PG_SERVER = os.environ.get(
    "FLASHSALE_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        admin_token="benchmark-admin-token-0123456789",
        secret_key="benchmark-secret-key-0123456789abcdef",
    )


def sales(orders: int) -> list[FlashSale]:
    per_sku = -(-orders // len(SKUS))
    return [
        FlashSale(
            id=f"sale_{sku.lower()}",
            sku=sku,
            market_code="CN",
            price=Money(Decimal("999"), "CNY"),
            stock_total=per_sku,
            per_customer_limit=1_000_000,
            registration_opens_at=T0 - timedelta(days=2),
            registration_closes_at=T0 - timedelta(days=1),
            opens_at=T0,
            closes_at=T0 + timedelta(hours=12),
            payment_window=timedelta(minutes=30),
        )
        for sku in SKUS
    ]


OrderRow = tuple[str, str, str, str, datetime, str]


def order_rows(orders: int, seed: int = 7) -> Iterator[list[OrderRow]]:
    """(id, sale, customer, sku, at, region) in chunks, in paid order."""
    rng = random.Random(seed)
    regions = [f"CN-{p}" for p in PROVINCES]
    weights = list(PROVINCES.values())
    for start in range(0, orders, CHUNK):
        n = min(CHUNK, orders - start)
        picked = rng.choices(regions, weights, k=n)
        chunk: list[OrderRow] = []
        for i in range(n):
            number = start + i
            sku = SKUS[number % len(SKUS)]
            at = T0 + timedelta(microseconds=number * 10_000)
            chunk.append(
                (
                    f"ord_{number:010d}",
                    f"sale_{sku.lower()}",
                    f"cus_{number % CUSTOMERS:06d}",
                    sku,
                    at,
                    picked[i],
                )
            )
        yield chunk


async def seed_record(url: str, orders: int) -> None:
    """Market, product, DCs with receipts, sales: through the store, as the shop does."""
    store = await SqlStore.open(url)
    try:
        await store.add_markets([CHINA])
        await store.add_product(
            Product(
                "prod_bench",
                "Bench phone",
                tuple(
                    Variant(sku, "prod_bench", {"n": sku}, {"CN": Money(Decimal("999"), "CNY")})
                    for sku in SKUS
                ),
            )
        )
        for dc in china_dcs():
            await store.add_location(dc)
        per_dc = -(-orders // len(SKUS)) * 2 // 12 + 1  # twice what the sales need, over 12
        await store.record_changes(
            [
                StockChange(dc.code, sku, MoveKind.RECEIPT, per_dc, "PO-bench", "bench", T0)
                for dc in china_dcs()
                for sku in SKUS
            ]
        )
        for sale in sales(orders):
            await store.add_sale(sale)
    finally:
        await store.close()


def _text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def seed_sqlite(path: Path, orders: int) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA foreign_keys=OFF")
    with db:
        db.executemany(
            "INSERT INTO customers (id, email, password_hash, market_code, created_at)"
            " VALUES (?, ?, 'x', 'CN', ?)",
            [(f"cus_{n:06d}", f"fan{n}@bench.example", _text(T0)) for n in range(CUSTOMERS)],
        )
    for chunk in order_rows(orders):
        with db:
            db.executemany(
                "INSERT INTO orders (id, sale_id, customer_id, sku, quantity, amount, currency,"
                " status, created_at, expires_at, paid_at) VALUES"
                " (?, ?, ?, ?, 1, '999', 'CNY', 'paid', ?, ?, ?)",
                [
                    (o, s, c, k, _text(at), _text(at + timedelta(minutes=30)), _text(at))
                    for o, s, c, k, at, _ in chunk
                ],
            )
            db.executemany(
                "INSERT INTO shipping_addresses (order_id, recipient, line1, line2, city,"
                " postal_code, phone, country, region) VALUES (?, 'Fan', '1 Road', '', 'City',"
                " '100000', '+86 10 0000 0000', 'CN', ?)",
                [(o, region) for o, *_, region in chunk],
            )
            db.executemany(
                "INSERT INTO order_events (order_id, kind, at, actor, data) VALUES (?, ?, ?, ?, ?)",
                [
                    row
                    for o, _, c, _, at, _ in chunk
                    for row in (
                        (o, "order.reserved", _text(at), f"customer:{c}", None),
                        (
                            o,
                            "order.paid",
                            _text(at),
                            f"customer:{c}",
                            orjson.dumps({"payment_id": f"pay_{o}"}).decode(),
                        ),
                    )
                ],
            )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


async def seed_postgres(url: str, orders: int) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "customers",
            records=[
                (f"cus_{n:06d}", f"fan{n}@bench.example", "x", "CN", T0) for n in range(CUSTOMERS)
            ],
            columns=["id", "email", "password_hash", "market_code", "created_at"],
        )
        for chunk in order_rows(orders):
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "orders",
                    records=[
                        (
                            o,
                            s,
                            c,
                            k,
                            1,
                            Decimal("999"),
                            "CNY",
                            "paid",
                            at,
                            at + timedelta(minutes=30),
                            at,
                        )
                        for o, s, c, k, at, _ in chunk
                    ],
                    columns=[
                        "id",
                        "sale_id",
                        "customer_id",
                        "sku",
                        "quantity",
                        "amount",
                        "currency",
                        "status",
                        "created_at",
                        "expires_at",
                        "paid_at",
                    ],
                )
                await conn.copy_records_to_table(
                    "shipping_addresses",
                    records=[
                        (o, "Fan", "1 Road", "", "City", "100000", "+86 10", "CN", region)
                        for o, *_, region in chunk
                    ],
                    columns=[
                        "order_id",
                        "recipient",
                        "line1",
                        "line2",
                        "city",
                        "postal_code",
                        "phone",
                        "country",
                        "region",
                    ],
                )
                await conn.copy_records_to_table(
                    "order_events",
                    records=[
                        row
                        for o, _, c, _, at, _ in chunk
                        for row in (
                            (o, "order.reserved", at, f"customer:{c}", None),
                            (
                                o,
                                "order.paid",
                                at,
                                f"customer:{c}",
                                orjson.dumps({"payment_id": f"pay_{o}"}).decode(),
                            ),
                        )
                    ],
                    columns=["order_id", "kind", "at", "actor", "data"],
                )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


@dataclass(frozen=True)
class Run:
    ours_seconds: float
    naive_per_second: float
    ours_cpu_seconds: float  # this process's CPU (its reader and writer threads included)

    def ours_per_second(self, orders: int) -> float:
        return orders / self.ours_seconds


async def ours(url: str, orders: int, batch: int) -> tuple[float, float]:
    shop_settings = settings(url)
    store = await SqlStore.open(url, sqlite_synchronous=shop_settings.sqlite_synchronous)
    shop = await build_shop(shop_settings, clock=SystemClock(), store=store)
    try:
        allocators = shop.fulfilment.allocators
        allocators.of("CN")._batch = batch
        started, cpu = time.perf_counter(), time.process_time()
        done = await allocators.allocate_now("CN")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert done.allocated == orders, (done, orders)
        assert done.unallocated == 0, done
        audit = await shop.fulfilment.audit.audit()
        assert audit.clean, [d.describe() for d in audit.discrepancies[:5]]
        return seconds, cpu
    finally:
        await shop.aclose()


async def naive(url: str, sample: int) -> float:
    """One transaction per order, the stock rows locked while it decides."""
    store = await SqlStore.open(url)
    locations = china_dcs()
    ranks = {loc.code: {r.region: r.rank for r in loc.regions} for loc in locations}
    entries: list[FeedEntry] = []
    cursor = EventCursor()
    while len(entries) < sample:
        page = await store.paid_and_cancelled(cursor, min(10_000, sample - len(entries)))
        entries.extend(page.entries)
        cursor = page.next_cursor
    await store.close()
    postgres = url.startswith("postgresql")
    started = time.perf_counter()
    if postgres:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn)
        for e in entries:
            codes = sorted(ranks, key=lambda c: ranks[c].get(e.region or "", 99))
            async with conn.transaction():
                rows = await conn.fetch(
                    "SELECT location, on_hand - allocated - committed AS free FROM stock_levels"
                    " WHERE location = ANY($1::varchar[]) AND sku = $2 ORDER BY location"
                    " FOR UPDATE",
                    codes,
                    e.sku,
                )
                free = {r["location"]: r["free"] for r in rows}
                where = next(c for c in codes if free.get(c, 0) >= e.quantity)
                await conn.execute(
                    "UPDATE stock_levels SET allocated = allocated + $3"
                    " WHERE location = $1 AND sku = $2",
                    where,
                    e.sku,
                    e.quantity,
                )
                fo = f"fo_{uuid.uuid4().hex}"
                now = datetime.now(UTC)
                await conn.execute(
                    "INSERT INTO fulfilment_orders (id, source_kind, source_id, part, sale_id,"
                    " market_code, sku, quantity, region, status, location, from_allotment,"
                    " reason, paid_at, updated_at) VALUES ($1, 'order', $2, 0, $3, 'CN', $4, $5,"
                    " $6, 'allocated', $7, 0, '', $8, $9)",
                    fo,
                    e.order_id,
                    e.sale_id,
                    e.sku,
                    e.quantity,
                    e.region,
                    where,
                    e.at,
                    now,
                )
                await conn.execute(
                    "INSERT INTO order_events (order_id, kind, at, actor, data) VALUES"
                    " ($1, 'fulfilment.allocated', $2, 'system:allocator', $3::jsonb)",
                    e.order_id,
                    now,
                    orjson.dumps(
                        {"fulfilment_order_id": fo, "location": where, "quantity": 1}
                    ).decode(),
                )
        await conn.close()
    else:
        path = make_url(url).database
        assert path is not None
        db = sqlite3.connect(path, isolation_level=None)
        # The shop's own connection settings (WAL, its synchronous level, foreign keys), as
        # ours runs under them.
        configure_sqlite_connection(db, None, synchronous=settings(url).sqlite_synchronous)
        for e in entries:
            codes = sorted(ranks, key=lambda c: ranks[c].get(e.region or "", 99))
            db.execute("BEGIN IMMEDIATE")  # SQLite's FOR UPDATE: the write lock, held
            marks = ", ".join("?" for _ in codes)
            rows = db.execute(
                "SELECT location, on_hand - allocated - committed FROM stock_levels"
                f" WHERE location IN ({marks}) AND sku = ?",
                (*codes, e.sku),
            ).fetchall()
            free = dict(rows)
            where = next(c for c in codes if free.get(c, 0) >= e.quantity)
            db.execute(
                "UPDATE stock_levels SET allocated = allocated + ? WHERE location = ? AND sku = ?",
                (e.quantity, where, e.sku),
            )
            fo = f"fo_{uuid.uuid4().hex}"
            stamp = _text(datetime.now(UTC))
            db.execute(
                "INSERT INTO fulfilment_orders (id, source_kind, source_id, part, sale_id,"
                " market_code, sku, quantity, region, status, location, from_allotment, reason,"
                " paid_at, updated_at) VALUES (?, 'order', ?, 0, ?, 'CN', ?, ?, ?, 'allocated',"
                " ?, 0, '', ?, ?)",
                (fo, e.order_id, e.sale_id, e.sku, e.quantity, e.region, where, _text(e.at), stamp),
            )
            db.execute(
                "INSERT INTO order_events (order_id, kind, at, actor, data) VALUES"
                " (?, 'fulfilment.allocated', ?, 'system:allocator', ?)",
                (
                    e.order_id,
                    stamp,
                    orjson.dumps(
                        {"fulfilment_order_id": fo, "location": where, "quantity": 1}
                    ).decode(),
                ),
            )
            db.execute("COMMIT")
        db.close()
    return len(entries) / (time.perf_counter() - started)


class Backend(Protocol):
    name: str

    async def seed(self, orders: int) -> None: ...

    async def copy(self) -> str: ...

    async def drop(self, url: str) -> None: ...

    async def close(self) -> None: ...


class SqliteBackend:
    name = "SQLite"

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="fulfilment-bench-"))
        self._seeded = self._dir / "seeded.db"

    async def seed(self, orders: int) -> None:
        url = f"sqlite+aiosqlite:///{self._seeded}"
        await upgrade_database(url)
        await seed_record(url, orders)
        await asyncio.to_thread(seed_sqlite, self._seeded, orders)

    async def copy(self) -> str:
        target = self._dir / f"run-{uuid.uuid4().hex[:8]}.db"
        await asyncio.to_thread(shutil.copyfile, self._seeded, target)
        return f"sqlite+aiosqlite:///{target}"

    async def drop(self, url: str) -> None:
        path = str(make_url(url).database)
        for suffix in ("", "-wal", "-shm"):
            await asyncio.to_thread(Path(f"{path}{suffix}").unlink, missing_ok=True)

    async def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)


class PostgresBackend:
    name = "PostgreSQL"

    def __init__(self, server: str) -> None:
        self._server = server
        self._name = f"flashsale_bench_{uuid.uuid4().hex[:8]}"
        self._url = make_url(server).set(database=self._name).render_as_string(hide_password=False)

    async def _admin(self, sql: str) -> None:
        dsn = (
            make_url(self._server)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def seed(self, orders: int) -> None:
        await self._admin(f'CREATE DATABASE "{self._name}"')
        await upgrade_database(self._url)
        await seed_record(self._url, orders)
        await seed_postgres(self._url, orders)

    async def copy(self) -> str:
        name = f"{self._name}_{uuid.uuid4().hex[:6]}"
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self._name}"')
        return make_url(self._server).set(database=name).render_as_string(hide_password=False)

    async def drop(self, url: str) -> None:
        await self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    async def close(self) -> None:
        await self._admin(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')


async def bench(backend: Backend, args: argparse.Namespace) -> list[Run]:
    started = time.perf_counter()
    await backend.seed(args.orders)
    seeded = time.perf_counter() - started
    print(f"{backend.name}: seeded {args.orders:,} paid orders in {seeded:.0f} s", flush=True)
    runs = []
    try:
        for number in range(1, args.runs + 1):
            url = await backend.copy()
            try:
                naive_rate = await naive(url, min(args.naive, args.orders))
            finally:
                await backend.drop(url)
            url = await backend.copy()
            try:
                seconds, cpu = await ours(url, args.orders, args.batch)
            finally:
                await backend.drop(url)
            run = Run(seconds, naive_rate, cpu)
            print(
                f"  run {number}: ours {seconds:.1f} s ({run.ours_per_second(args.orders):,.0f}"
                f" orders/s, {cpu:.1f} s of this process's CPU), naive {naive_rate:,.0f}"
                f" orders/s; load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            runs.append(run)
    finally:
        await backend.close()
    return runs


def report(name: str, runs: list[Run], args: argparse.Namespace) -> None:
    seconds = statistics.median(r.ours_seconds for r in runs)
    naive_rate = statistics.median(r.naive_per_second for r in runs)
    rate = args.orders / seconds
    cpu = statistics.median(r.ours_cpu_seconds for r in runs)
    print(
        f"{name}: {args.orders:,} orders allocated in {seconds:.1f} s ({rate:,.0f} orders/s,"
        f" {cpu:.1f} s CPU in this process);"
        f" naive {naive_rate:,.0f} orders/s on {min(args.naive, args.orders):,}; ratio"
        f" {rate / naive_rate:,.0f}x (medians of {len(runs)} runs)"
    )


async def main_async(args: argparse.Namespace) -> None:
    backends: list[Backend] = []
    if args.backend in ("sqlite", "both"):
        backends.append(SqliteBackend())
    instance = None
    if args.backend in ("postgres", "both"):
        server = PG_SERVER
        if not args.shared_postgres:
            # A server of our own: the feed is read below the oldest transaction running
            # anywhere on the server, so another program's long transaction on a shared one
            # would stall the allocator and time that instead.
            instance = PostgresInstance()
            instance.start()
            server = instance.server_url
        backends.append(PostgresBackend(server))
    try:
        results = [(b.name, await bench(b, args)) for b in backends]
    finally:
        if instance is not None:
            instance.destroy()
    for name, runs in results:
        report(name, runs, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3_050_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--naive", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--shared-postgres",
        action="store_true",
        help="Use FLASHSALE_TEST_DATABASE_URL's server rather than a private one.",
    )
    # Ours and the baselines alike with the collector tuned, as `flashsale worker` runs.
    tune_for_serving()
    uvloop.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
