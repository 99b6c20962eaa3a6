"""Partner channels: importing a marketplace's order report into pools, importing it again, and
making a 10,000-SKU feed; against one transaction per line in the same run.

    python benchmarks/channels.py [--lines 1000000] [--skus 10000] [--naive 2000]
                                  [--backend sqlite|postgres|both]

Seeds a fresh database per backend (SQLite in WAL with synchronous=FULL, as served; PostgreSQL
on FLASHSALE_TEST_DATABASE_URL's server, a database of its own dropped afterwards): India,
``--skus`` SKUs received at the Bengaluru DC, channel AMAZON_IN with a pool per SKU holding 95%
of what the report asks (so about 5% of the lines are the partner's oversell), and an Amazon
flat-file report of ``--lines`` single-unit lines spread over the SKUs. Not timed. Then:

- import: ``OrderImports.run`` end to end, as the endpoint runs it (the file parsed with the
  csv module, sorted, chunks of 20,000 lines a transaction). Goal: 1,000,000 lines <= 20 s
  (at most 60 s).
- re-import: the same file again: every line a duplicate, found a chunk at a query.
  Goal: >= 150,000 lines/s.
- feed: the Amazon JSON listings feed of every pool (``--skus`` SKUs) and Flipkart's
  batches, serialised. Goal: 10,000 SKUs <= 0.5 s.
- naive: ``--naive`` further lines imported one transaction per line (the same code with a
  chunk of one), the baseline the chunked import is compared with.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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


async def run_backend(name: str, url: str, args: argparse.Namespace) -> None:
    store, channels = await seed(url, args.lines, args.skus)
    try:
        data = report(args.lines, args.skus)
        started = time.perf_counter()
        done = await channels.imports.run("AMAZON_IN", data, ImportFormat.AMAZON_FLATFILE)
        took = time.perf_counter() - started
        print(
            f"{name} import: {args.lines:,} lines in {took:.2f} s ({args.lines / took:,.0f}"
            f" lines/s): {done.imported:,} imported, {done.rejected_total:,} rejected"
        )
        started = time.perf_counter()
        again = await channels.imports.run("AMAZON_IN", data, ImportFormat.AMAZON_FLATFILE)
        retook = time.perf_counter() - started
        assert again.duplicates == args.lines and again.imported == 0, again
        print(
            f"{name} re-import: {retook:.2f} s ({args.lines / retook:,.0f} lines/s,"
            " goal >= 150,000)"
        )
        started = time.perf_counter()
        amazon = await channels.feeds.make("AMAZON_IN", FeedFormat.AMAZON_JSON, "A1SELLER")
        flipkart = await channels.feeds.make("AMAZON_IN", FeedFormat.FLIPKART_JSON)
        size = len(amazon.body()) + len(flipkart.body())
        fed = time.perf_counter() - started
        print(f"{name} feed: {args.skus:,} SKUs, both shapes, {size:,} bytes in {fed:.3f} s"
              " (goal <= 0.5 s)")  # fmt: skip
        naive = OrderImports(store, channels.book, SystemClock(), chunk=1)
        sample = report(args.naive, args.skus, first=args.lines)
        started = time.perf_counter()
        await naive.run("AMAZON_IN", sample, ImportFormat.AMAZON_FLATFILE)
        slow = time.perf_counter() - started
        ours, theirs = args.lines / took, args.naive / slow
        print(f"{name} naive (one transaction a line): {args.naive:,} lines in {slow:.2f} s"
              f" ({theirs:,.0f} lines/s); ours is {ours / theirs:.1f}x")  # fmt: skip
    finally:
        await store.close()


async def main(args: argparse.Namespace) -> None:
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            await run_backend("sqlite", f"sqlite+aiosqlite:///{Path(folder) / 'b.db'}", args)
    if args.backend in ("postgres", "both"):
        name = f"flashsale_bench_{uuid.uuid4().hex[:10]}"
        await admin_statement(PG_SERVER, f'CREATE DATABASE "{name}"')
        url = make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
        try:
            await run_backend("postgres", url, args)
        finally:
            await admin_statement(PG_SERVER, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--naive", type=int, default=2_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    asyncio.run(main(parser.parse_args()))
