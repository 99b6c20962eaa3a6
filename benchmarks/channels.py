"""Partner channels: importing a marketplace's order report into pools, importing it again, and
making a 10,000-SKU feed; against one transaction per line in the same run.

    python benchmarks/channels.py [--lines 1000000] [--skus 10000] [--naive 2000]
                                  [--backend sqlite|postgres|both] [--runs 1]

Seeds a fresh database per backend (SQLite in WAL with synchronous=FULL, as served; PostgreSQL
on FLASHSALE_TEST_DATABASE_URL's server, a database of its own dropped afterwards): India,
``--skus`` SKUs received at the Bengaluru DC, channel AMAZON_IN with a pool per SKU holding 95%
of what the report asks (so about 5% of the lines are the partner's oversell), and an Amazon
flat-file report of ``--lines`` single-unit lines spread over the SKUs. Not timed. The garbage
collector is tuned as the server tunes it (``platform/gc_tuning.py``). Then:

- import: ``OrderImports.run`` end to end, as the endpoint runs it (the file's keys looked up,
  its lines parsed, sorted, grouped by SKU 200,000 at a time, chunks of 20,000 lines a
  transaction). Goal: 1,000,000 lines <= 20 s (at most 60 s). The CPU time of the process (its
  threads: not PostgreSQL's) is printed beside the wall time, and per line, with the load
  average: on a shared machine the wall time is what the others leave.
- re-import: the same file again: every line a duplicate, found 20,000 keys at a query and
  nothing written.
  Goal: >= 150,000 lines/s.
- feed: the Amazon JSON listings feed of every pool (``--skus`` SKUs) and Flipkart's
  batches, serialised. Goal: 10,000 SKUs <= 0.5 s.
- naive: ``--naive`` further lines imported one transaction per line (the same code with a
  chunk of one), the baseline the chunked import is compared with (``--naive 0``: skipped).

``--runs N`` repeats all of it on N fresh databases and prints the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import make_url

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.catalog.service import Catalog
from flashsale.channels.adapters.recording_client import RecordingMarketplaceClient
from flashsale.channels.domain.channel import ChannelKind
from flashsale.channels.domain.feeds import FeedFormat
from flashsale.channels.domain.parsing import ImportFormat
from flashsale.channels.domain.pool import PoolTarget
from flashsale.channels.service.assembly import Channels, build_channels
from flashsale.channels.service.imports import OrderImports
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.inventory.service.locations import Locations
from flashsale.kernel.clock import SystemClock
from flashsale.kernel.money import Money
from flashsale.lab.devtools.postgres_instance import admin_statement
from flashsale.platform.gc_tuning import tune_for_serving
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore

PG_SERVER = os.environ.get(
    "FLASHSALE_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
T0 = datetime(2017, 9, 20, 4, 0, tzinfo=UTC)
HEADER = (
    "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tcurrency\titem-price"
    "\tship-state\tship-postal-code\n"
)


def sku(n: int) -> str:
    return f"MI-{n:05d}"


def report(lines: int, skus: int, first: int = 0) -> bytes:
    """An Amazon flat-file report of single-unit lines, orders of two lines."""
    rows = [HEADER]
    for n in range(first, first + lines):
        # Reports give purchase times to the second: 27 lines a second here, about what
        # 250,000 units in 10 minutes on two channels asks.
        at = (T0 + timedelta(seconds=37 * n // 1000)).isoformat()
        rows.append(
            f"402-{n // 2:07d}-{n:07d}\t{n:014d}\t{at}\t{sku(n % skus)}\t1\tINR\t999.00"
            f"\tKarnataka\t560001\n"
        )
    return "".join(rows).encode()


async def seed(url: str, lines: int, skus: int) -> tuple[SqlStore, Channels]:
    await upgrade_database(url)
    store = await SqlStore.open(url)
    catalog = Catalog(store)
    await catalog.add_markets([Market("IN", "India", "INR", "en_IN", "Asia/Kolkata")])
    price = Money(Decimal("999.00"), "INR")
    await store.add_product(
        Product("prod_mi", "Mi", tuple(Variant(sku(n), "prod_mi", {}, {"IN": price})
                                        for n in range(skus)))
    )  # fmt: skip
    await store.add_location(Location("DC-BLR", "Bengaluru", "IN", "Asia/Kolkata"))
    per_sku = -(-lines // skus)
    await store.record_changes(
        [StockChange("DC-BLR", sku(n), MoveKind.RECEIPT, 2 * per_sku + 10, "PO", "bench", T0)
         for n in range(skus)]
    )  # fmt: skip
    channels = build_channels(
        store, catalog, Locations(store, catalog), RecordingMarketplaceClient(), SystemClock()
    )
    await channels.book.add("AMAZON_IN", ChannelKind.MARKETPLACE, "IN", "Amazon India", 2)
    pool = max(1, per_sku * 95 // 100)
    await channels.pools.put("AMAZON_IN", [PoolTarget("DC-BLR", sku(n), pool) for n in range(skus)])
    return store, channels


async def run_backend(name: str, url: str, args: argparse.Namespace) -> tuple[float, float]:
    """Prints one run's figures; returns its import's and re-import's lines a second."""
    store, channels = await seed(url, args.lines, args.skus)
    try:
        data = report(args.lines, args.skus)
        # CPU time of this process (its threads: the SQLite writer and reader among them),
        # beside the wall time: the machine is shared.
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        done = await channels.imports.run("AMAZON_IN", data, ImportFormat.AMAZON_FLATFILE)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"{name} import: {args.lines:,} lines in {took:.2f} s ({args.lines / took:,.0f}"
            f" lines/s, goal 1,000,000 <= 20 s; CPU {cpu:.2f} s, {cpu / args.lines * 1e6:.1f}"
            f" us a line; load {load:.1f}): {done.imported:,} imported,"
            f" {done.rejected_total:,} rejected",
            flush=True,
        )
        started, cpu = time.perf_counter(), time.process_time()
        again = await channels.imports.run("AMAZON_IN", data, ImportFormat.AMAZON_FLATFILE)
        retook, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert again.duplicates == args.lines and again.imported == 0, again
        print(
            f"{name} re-import: {retook:.2f} s ({args.lines / retook:,.0f} lines/s,"
            f" goal >= 150,000; CPU {cpu:.2f} s)",
            flush=True,
        )
        started = time.perf_counter()
        amazon = await channels.feeds.make("AMAZON_IN", FeedFormat.AMAZON_JSON, "A1SELLER")
        flipkart = await channels.feeds.make("AMAZON_IN", FeedFormat.FLIPKART_JSON)
        size = len(amazon.body()) + len(flipkart.body())
        fed = time.perf_counter() - started
        print(f"{name} feed: {args.skus:,} SKUs, both shapes, {size:,} bytes in {fed:.3f} s"
              " (goal <= 0.5 s)", flush=True)  # fmt: skip
        if args.naive:
            naive = OrderImports(store, channels.book, SystemClock(), chunk=1)
            sample = report(args.naive, args.skus, first=args.lines)
            started = time.perf_counter()
            await naive.run("AMAZON_IN", sample, ImportFormat.AMAZON_FLATFILE)
            slow = time.perf_counter() - started
            ours, theirs = args.lines / took, args.naive / slow
            print(
                f"{name} naive (one transaction a line): {args.naive:,} lines in {slow:.2f} s"
                f" ({theirs:,.0f} lines/s); ours is {ours / theirs:.1f}x",
                flush=True,
            )
        return args.lines / took, args.lines / retook
    finally:
        await store.close()


async def sqlite_run(args: argparse.Namespace) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        return await run_backend("sqlite", f"sqlite+aiosqlite:///{Path(folder) / 'b.db'}", args)


async def postgres_run(args: argparse.Namespace) -> tuple[float, float]:
    name = f"flashsale_bench_{uuid.uuid4().hex[:10]}"
    await admin_statement(PG_SERVER, f'CREATE DATABASE "{name}"')
    url = make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    try:
        return await run_backend("postgres", url, args)
    finally:
        await admin_statement(PG_SERVER, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main(args: argparse.Namespace) -> None:
    tune_for_serving()  # as the server that runs the endpoint has it
    backends = {"sqlite": sqlite_run, "postgres": postgres_run}
    for name, run in backends.items():
        if args.backend not in (name, "both"):
            continue
        rates = [await run(args) for _ in range(args.runs)]
        if args.runs > 1:
            imports, again = (statistics.median(r[i] for r in rates) for i in (0, 1))
            print(f"{name} median of {args.runs} runs: import {imports:,.0f} lines/s"
                  f" ({args.lines / imports:.2f} s), re-import {again:,.0f} lines/s")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--naive", type=int, default=2_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--runs", type=int, default=1, help="fresh databases; medians printed")
    asyncio.run(main(parser.parse_args()))
