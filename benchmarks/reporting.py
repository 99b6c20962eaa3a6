"""Sales reporting: the feed projected into daily facts, and questions asked of the facts,
against baselines measured in the same run.

    python benchmarks/reporting.py [--orders 3050000] [--runs 3] [--postgres URL]

1. Projection. A SQLite file (synchronous=FULL, as served) is seeded with ``--orders`` orders of
   one festival, each reserved, paid and shipped (three events an order: 3.05 million orders are
   about 9 million events), written straight into the record's tables. Each run, on a fresh
   copy:
   - feed: the whole feed read with ``OrderEvents.read`` (pages of 1,000, the kinds the
     projector reads), and nothing else: what the projector's reads cost (the feed's own speed
     is its owner's);
   - projection: ``Projector.catch_up`` from the start: reads, aggregation and the batched
     upserts with their cursor. Also printed: the projection alone (its time less the feed's).
     Goal >= 150,000 events/s (at least 50,000).
   - rebuild: ``report rebuild`` on the projected state, which must find it equal.
2. Questions. Three years of daily facts (6 markets x 4 channels x 50 SKUs: about 1.3 million
   rows) with ECB-like rates for each market's currency, then month-by-market and
   quarter-by-market-by-channel asked through ``Reports.sales`` in US dollars (each day at its
   own rate, inside the database): p95 and median over ``--queries`` of each, and this
   process's CPU per question (what a busy machine does not inflate). Goal p95 <= 50 ms (at
   least <= 250 ms) on SQLite, and on PostgreSQL with ``--postgres`` (a server URL; a
   database is created and dropped). The baseline: month-by-market by GROUP BY over the
   orders and payments of part 1, in the same run (no conversion): the goal is >= 50x.

Everything runs on uvloop, with the garbage collector tuned (platform/gc_tuning.py), as
`flashsale serve` and `flashsale worker` do.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import orjson
import uvloop

from flashsale.bootstrap import build_shop
from flashsale.catalog.market import Market
from flashsale.config import Settings
from flashsale.lab.devtools.postgres_instance import admin_statement
from flashsale.platform.gc_tuning import tune_for_serving
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.reporting.domain.facts import WIDTH, FactKey, Measure
from flashsale.reporting.domain.fx import FxRate
from flashsale.reporting.service.projector import KINDS

OPENS = datetime(2015, 4, 8, 2, 0, tzinfo=UTC)
PRICE = Decimal("1499.00")
MARKETS = [
    Market("CN", "China", "CNY", "zh_Hans_CN", "Asia/Shanghai"),
    Market("IN", "India", "INR", "en_IN", "Asia/Kolkata"),
    Market("ID", "Indonesia", "IDR", "id_ID", "Asia/Jakarta"),
    Market("RU", "Russia", "RUB", "ru_RU", "Europe/Moscow"),
    Market("ES", "Spain", "EUR", "es_ES", "Europe/Madrid"),
    Market("MY", "Malaysia", "MYR", "ms_MY", "Asia/Kuala_Lumpur"),
]
EUR_RATE = {"CNY": "6.7", "INR": "67.3", "IDR": "14000", "RUB": "60.5", "MYR": "3.9", "USD": "1.08"}
CHANNELS = ["web", "app", "store", "partner"]
SKUS = [f"SKU{n:02d}" for n in range(50)]
SEED_BATCH = 50_000


def wall(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def seed_orders(path: Path, orders: int) -> None:
    """The record of one festival, straight into its tables: orders, payments, events."""
    asyncio.run(upgrade_database(f"sqlite+aiosqlite:///{path}"))
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")  # seeding only; the runs use the shop's own settings
    db.execute(
        "INSERT INTO markets (code, name, currency, locale, timezone)"
        " VALUES ('CN', 'China', 'CNY', 'zh_Hans_CN', 'Asia/Shanghai')"
    )
    db.execute("INSERT INTO products (id, name) VALUES ('prod_mi4', 'Mi 4')")
    db.execute(
        "INSERT INTO variants (sku, product_id, attributes, position)"
        " VALUES ('MI4', 'prod_mi4', '{}', 0)"
    )
    db.execute(
        "INSERT INTO customers (id, email, password_hash, market_code, created_at)"
        " VALUES ('cus_bench', 'fan@bench.example', 'hash', 'CN', ?)",
        (wall(OPENS),),
    )
    db.execute(
        "INSERT INTO sales (id, sku, market_code, price_amount, price_currency, stock_total,"
        " per_customer_limit, registration_opens_at, registration_closes_at, opens_at,"
        " closes_at, payment_window_seconds) VALUES ('sale_mff', 'MI4', 'CN', ?, 'CNY', ?, ?,"
        " ?, ?, ?, ?, 900)",
        (
            str(PRICE),
            orders,
            orders,
            wall(OPENS - timedelta(days=1)),
            wall(OPENS - timedelta(hours=1)),
            wall(OPENS),
            wall(OPENS + timedelta(hours=12)),
        ),
    )
    seconds = 12 * 3600 / max(orders, 1)
    for start in range(0, orders, SEED_BATCH):
        rows, payments, events = [], [], []
        for n in range(start, min(start + SEED_BATCH, orders)):
            at = OPENS + timedelta(seconds=n * seconds)
            order_id = f"ord_{n:09d}"
            rows.append(
                (order_id, "sale_mff", "cus_bench", "MI4", 1, str(PRICE), "CNY", "paid",
                 wall(at), wall(at + timedelta(minutes=15)), wall(at + timedelta(minutes=1)),
                 f"key{n}")
            )  # fmt: skip
            payments.append(
                (f"pay_{n:09d}", order_id, str(PRICE), "CNY", "succeeded", "ref",
                 wall(at + timedelta(minutes=1)))
            )  # fmt: skip
            shipped = orjson.dumps({"fulfilment_order_id": f"fo_{n}", "location": "DC-BJ",
                                    "quantity": 1}).decode()  # fmt: skip
            events += [
                (order_id, "order.reserved", wall(at), "customer:cus_bench", None),
                (order_id, "order.paid", wall(at + timedelta(minutes=1)), "system",
                 orjson.dumps({"payment_id": f"pay_{n:09d}"}).decode()),
                (order_id, "order.shipped", wall(at + timedelta(hours=20)), "system", shipped),
            ]  # fmt: skip
        db.executemany(
            "INSERT INTO orders (id, sale_id, customer_id, sku, quantity, amount, currency,"
            " status, created_at, expires_at, paid_at, idempotency_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.executemany(
            "INSERT INTO payments (id, order_id, amount, currency, status, gateway_reference,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            payments,
        )
        db.executemany(
            "INSERT INTO order_events (order_id, kind, at, actor, data) VALUES (?, ?, ?, ?, ?)",
            events,
        )
        db.commit()
    db.execute(
        "INSERT OR REPLACE INTO sale_stock (sale_id, units_held) VALUES ('sale_mff', ?)", (orders,)
    )
    db.commit()
    db.close()


@dataclass(frozen=True, slots=True)
class Projection:
    events: int
    read_seconds: float
    project_seconds: float
    rebuild_seconds: float
    rebuild_equal: bool


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, environment="development")


async def projection_run(path: Path) -> Projection:
    shop = await build_shop(settings_for(f"sqlite+aiosqlite:///{path}"))
    tune_for_serving()
    try:
        started = time.perf_counter()
        after, read = "0-0", 0
        while True:
            page = await shop.order_events.read(after, 1000, KINDS)
            if not page.events:
                break
            read += len(page.events)
            after = str(page.next_cursor)
        read_seconds = time.perf_counter() - started
        started = time.perf_counter()
        projected = await shop.reporting.projector.catch_up()
        project_seconds = time.perf_counter() - started
        assert projected == read, (projected, read)
        started = time.perf_counter()
        rebuilt = await shop.reporting.rebuild.run()
        rebuild_seconds = time.perf_counter() - started
        return Projection(read, read_seconds, project_seconds, rebuild_seconds, rebuilt.equal)
    finally:
        await shop.aclose()


def baseline_query(path: Path) -> tuple[float, int]:
    """Month by market straight from orders and payments: a scan of every paid order."""
    db = sqlite3.connect(path)
    try:
        started = time.perf_counter()
        found = db.execute(
            "SELECT substr(p.created_at, 1, 7) AS month, s.market_code, count(*),"
            " sum(o.quantity), sum(CAST(p.amount AS NUMERIC))"
            " FROM orders AS o JOIN payments AS p ON p.order_id = o.id"
            " JOIN sales AS s ON s.id = o.sale_id"
            " WHERE o.status = 'paid' GROUP BY month, s.market_code"
        ).fetchall()
        return time.perf_counter() - started, len(found)
    finally:
        db.close()


def three_years() -> tuple[dict[FactKey, list[int]], list[FxRate]]:
    rng = random.Random(20150408)
    first = date(2015, 1, 1)
    facts: dict[FactKey, list[int]] = {}
    rates: list[FxRate] = []
    for d in range(3 * 365):
        day = first + timedelta(days=d)
        if day.weekday() < 5:
            for currency, rate in EUR_RATE.items():
                rates.append(FxRate(day, "EUR", currency, Decimal(rate)))
        for market in MARKETS:
            for channel in CHANNELS:
                for sku in SKUS:
                    units = rng.randint(1, 400)
                    counts = [0] * WIDTH
                    counts[Measure.ORDERS] = units
                    counts[Measure.UNITS_SOLD] = units
                    counts[Measure.UNITS_SHIPPED] = units
                    counts[Measure.REVENUE] = units * 999_0000
                    facts[FactKey(day, market.code, channel, sku, market.currency, False)] = counts
    return facts, rates


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


@dataclass(frozen=True, slots=True)
class Timing:
    p95: float
    median: float
    # This process's CPU (every thread: SQLite runs in the reader's), which a busy machine
    # does not inflate as it does wall time; PostgreSQL's own work is in its server process.
    cpu: float


async def question_timings(url: str, queries: int) -> dict[str, Timing]:
    shop = await build_shop(settings_for(url))
    tune_for_serving()
    try:
        facts, rates = three_years()
        await shop.catalog.add_markets(MARKETS)
        await shop.store.put_fx_rates(rates, datetime.now(UTC))
        started = time.perf_counter()
        await shop.store.add_facts(facts)
        print(f"  {len(facts):,} fact rows stored in {time.perf_counter() - started:.1f} s")
        asks: dict[str, Callable[[], Awaitable[object]]] = {
            "month x market": lambda: shop.reporting.reports.sales(
                "month", "market", "2015-01", "2017-12", "USD"
            ),
            "quarter x market x channel": lambda: shop.reporting.reports.sales(
                "quarter", "market,channel", "2015-Q1", "2017-Q4", "USD"
            ),
        }
        found: dict[str, Timing] = {}
        for name, ask in asks.items():
            await ask()  # the rate book's first read
            samples, cpu = [], []
            for _ in range(queries):
                started, used = time.perf_counter(), time.process_time()
                await ask()
                samples.append(time.perf_counter() - started)
                cpu.append(time.process_time() - used)
            found[name] = Timing(p95(samples), statistics.median(samples), statistics.median(cpu))
        return found
    finally:
        await shop.aclose()


async def postgres_database(server: str) -> str:
    from sqlalchemy.engine import make_url

    name = f"flashsale_bench_{uuid.uuid4().hex[:10]}"
    await admin_statement(server, f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    await upgrade_database(url)
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3_050_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL")
    parser.add_argument("--skip-projection", action="store_true")
    parser.add_argument("--skip-questions", action="store_true")
    args = parser.parse_args()
    uvloop.install()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        seeded = Path(tmp) / "seeded.db"
        started = time.perf_counter()
        seed_orders(seeded, args.orders)
        print(f"seeded {args.orders:,} orders in {time.perf_counter() - started:.0f} s")
        if not args.skip_projection:
            runs = []
            for n in range(args.runs):
                copy = Path(tmp) / f"run{n}.db"
                shutil.copyfile(seeded, copy)
                runs.append(asyncio.run(projection_run(copy)))
                copy.unlink()
            events = runs[0].events
            read = statistics.median(r.read_seconds for r in runs)
            project = statistics.median(r.project_seconds for r in runs)
            alone = max(project - read, 1e-9)
            print(f"1. projection of {events:,} events (medians of {args.runs} runs, SQLite)")
            print(f"  feed read alone:        {events / read:>12,.0f} events/s ({read:.1f} s)")
            print(
                f"  projection (with reads):{events / project:>12,.0f} events/s ({project:.1f} s)"
            )
            print(f"  projection less reads:  {events / alone:>12,.0f} events/s ({alone:.1f} s)")
            rebuild = statistics.median(r.rebuild_seconds for r in runs)
            equal = all(r.rebuild_equal for r in runs)
            print(
                f"  report rebuild:         {rebuild:.1f} s, equal to the incremental one: {equal}"
            )
            ok = ok and equal
        if args.skip_questions:
            return 0 if ok else 1
        scan, rows = baseline_query(seeded)
        print(f"2. questions; baseline GROUP BY over {args.orders:,} orders and payments:"
              f" {scan * 1000:,.0f} ms ({rows} rows)")  # fmt: skip
        backends = [("SQLite", f"sqlite+aiosqlite:///{Path(tmp) / 'facts.db'}")]
        asyncio.run(upgrade_database(backends[0][1]))
        if args.postgres:
            backends.append(("PostgreSQL", asyncio.run(postgres_database(args.postgres))))
        try:
            for name, url in backends:
                print(f"  {name}:")
                for question, t in asyncio.run(question_timings(url, args.queries)).items():
                    print(
                        f"    {question:<28} p95 {t.p95 * 1000:7.1f} ms,"
                        f" {scan / t.p95:6.0f}x the scan; median {t.median * 1000:6.1f} ms,"
                        f" client CPU {t.cpu * 1000:5.1f} ms"
                    )
        finally:
            if args.postgres:
                name = backends[-1][1].rsplit("/", 1)[-1]
                drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                asyncio.run(admin_statement(args.postgres, drop))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
