"""Three imports of one partner report (each file shuffled its own way) racing, on SQLite and
PostgreSQL (on PostgreSQL each with its own engine and pool, as three API processes would):
every line is stored once, the pool is consumed exactly to its units and never past them, the
level's committed units move to allocated one for one with the partner's fulfilment orders,
and the outcome is the one a single import would have had."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from flashsale.catalog.service import Catalog
from flashsale.channels.adapters.recording_client import RecordingMarketplaceClient
from flashsale.channels.domain.channel import ChannelKind
from flashsale.channels.domain.parsing import ImportFormat
from flashsale.channels.domain.pool import PoolTarget
from flashsale.channels.service.assembly import Channels, build_channels
from flashsale.channels.service.imports import ImportResult
from flashsale.fulfilment.domain.order import SourceKind
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.inventory.service.locations import Locations
from flashsale.kernel.clock import ManualClock
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from tests.contract.conftest import empty_tables, migrated_postgres_database
from tests.contract.record_world import T0, world

SKU = "MIBAND3-BLK"
LINES, POOL, ON_HAND = 90, 40, 60
HEADER = "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\tcurrency"


def channels_on(store: SqlStore) -> Channels:
    catalog = Catalog(store)
    channels = build_channels(
        store, catalog, Locations(store, catalog), RecordingMarketplaceClient(), ManualClock(T0)
    )
    channels.imports._chunk = 7  # many transactions, to interleave
    return channels


def shuffled_report(seed: int) -> bytes:
    lines = [
        f"402-{n:04d}\t{n % 3}\t{(T0 + timedelta(seconds=n // 2)).isoformat()}\t{SKU}\t1\tINR"
        for n in range(LINES)
    ]
    random.Random(seed).shuffle(lines)
    return ("\n".join([HEADER, *lines]) + "\n").encode()


@contextlib.asynccontextmanager
async def stores(url: str, separate: bool) -> AsyncIterator[list[SqlStore]]:
    first = await SqlStore.open(url)
    opened = [first] + [await SqlStore.open(url) if separate else first for _ in range(2)]
    try:
        if first.engine.dialect.name == "postgresql":
            await empty_tables(first.engine)
        await world(first)
        await first.add_location(Location("DC-BLR", "Bengaluru", "IN", "Asia/Kolkata"))
        await first.record_changes(
            [StockChange("DC-BLR", SKU, MoveKind.RECEIPT, ON_HAND, "PO-1", "test", T0)]
        )
        one = channels_on(first)
        await one.book.add("AMAZON_IN", ChannelKind.MARKETPLACE, "IN", "Amazon India")
        await one.pools.put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, POOL)])
        yield opened
    finally:
        for store in {id(s): s for s in opened}.values():
            await store.close()


async def race(url: str, separate: bool) -> None:
    async with stores(url, separate) as opened:
        runs: list[ImportResult] = await asyncio.gather(
            *(
                channels_on(store).imports.run(
                    "AMAZON_IN", shuffled_report(seed), ImportFormat.AMAZON_FLATFILE
                )
                for seed, store in enumerate(opened)
            )
        )
        store = opened[0]
        assert sum(r.imported for r in runs) == POOL
        assert sum(r.rejected_total for r in runs) == LINES - POOL
        assert sum(r.duplicates for r in runs) == 2 * LINES
        (pool,) = await store.pools("AMAZON_IN")
        assert (pool.units, pool.consumed) == (POOL, POOL)
        (level,) = await store.stock_levels("DC-BLR", SKU)
        assert (level.on_hand, level.allocated, level.committed) == (ON_HAND, POOL, 0)
        fos = await store.fulfilment_orders(location="DC-BLR", limit=1_000)
        assert len(fos) == POOL and {fo.source_kind for fo in fos} == {SourceKind.PARTNER}
        # The earliest purchases got the units, as one import alone decides.
        assert sorted(fo.paid_at for fo in fos)[-1] == T0 + timedelta(seconds=(POOL - 1) // 2)
        sums = {s.kind: s.allocated for s in await store.ledger_sums()}
        assert sums == {MoveKind.RECEIPT: 0, MoveKind.ALLOCATE: POOL}
        again = await channels_on(store).imports.run(
            "AMAZON_IN", shuffled_report(7), ImportFormat.AMAZON_FLATFILE
        )
        assert (again.imported, again.duplicates) == (0, LINES)


async def test_imports_race_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    await upgrade_database(url)
    await race(url, separate=False)


async def test_imports_race_on_postgres(postgres_server_url: str) -> None:
    async with migrated_postgres_database(postgres_server_url) as url:
        await race(url, separate=True)
