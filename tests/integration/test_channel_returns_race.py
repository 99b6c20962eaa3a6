"""The same partner cancellations sent twice at once (each file shuffled its own way), on SQLite
and PostgreSQL (on PostgreSQL each with its own engine, as two API processes would): each line
is released once, its units back in the pool exactly once, and the stock audit is clean."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import orjson

from flashsale.channels.domain.parsing import ImportFormat
from flashsale.channels.domain.return_parsing import ReturnFormat
from flashsale.channels.service.pool_commitments import PoolCommitments
from flashsale.channels.service.returns import ReturnsResult
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.inventory.domain.stock import MoveKind
from flashsale.inventory.service.audit import StockAuditing
from flashsale.platform.sql.migrate import upgrade_database
from tests.contract.conftest import migrated_postgres_database
from tests.integration.test_channel_race import (
    LINES,
    ON_HAND,
    POOL,
    SKU,
    channels_on,
    shuffled_report,
)
from tests.integration.test_channel_race import stores as three_stores


def cancellations(lines: list[tuple[str, str]], seed: int) -> bytes:
    events = [
        {"order_id": o, "line_id": n, "kind": "cancellation", "at": "2017-09-21T04:00:00Z"}
        for o, n in lines
    ]
    random.Random(seed).shuffle(events)
    return orjson.dumps({"events": events})


async def race(url: str, separate: bool) -> None:
    async with three_stores(url, separate) as opened:
        store = opened[0]
        channels = channels_on(store)
        done = await channels.imports.run(
            "AMAZON_IN", shuffled_report(0), ImportFormat.AMAZON_FLATFILE
        )
        assert done.imported == POOL
        # Every line of the report is stored: POOL imported, the rest rejected (pool-exhausted).
        keys = [(f"402-{n:04d}", str(n % 3)) for n in range(LINES)]
        assert len(await store.channel_known_lines("AMAZON_IN", keys)) == LINES
        runs: list[ReturnsResult] = await asyncio.gather(
            *(
                channels_on(each).returns.run(
                    "AMAZON_IN", cancellations(keys, seed), ReturnFormat.JSON
                )
                for seed, each in enumerate(opened[:2])
            )
        )
        # Each line once, by whichever run met it first: the imported ones released, those
        # rejected at import kept refused (line-not-imported); the other run finds them kept.
        assert sum(r.applied for r in runs) == POOL
        assert sum(r.rejected_total for r in runs) == LINES - POOL
        assert sum(r.duplicates for r in runs) == LINES
        (pool,) = await store.pools("AMAZON_IN")
        assert (pool.units, pool.consumed) == (POOL, 0)
        (level,) = await store.stock_levels("DC-BLR", SKU)
        assert (level.on_hand, level.allocated, level.committed) == (ON_HAND, 0, POOL)
        left = await store.fulfilment_orders(FulfilmentStatus.ALLOCATED, limit=1_000)
        assert left == []
        sums = {s.kind: s.allocated for s in await store.ledger_sums()}
        assert sums[MoveKind.ALLOCATE] == POOL and sums[MoveKind.RELEASE] == -POOL
        audit = await StockAuditing(store, store, [PoolCommitments(store)]).audit()
        assert audit.clean, [d.describe() for d in audit.discrepancies]


async def test_cancellations_race_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    await upgrade_database(url)
    await race(url, separate=False)


async def test_cancellations_race_on_postgres(postgres_server_url: str) -> None:
    async with migrated_postgres_database(postgres_server_url) as url:
        await race(url, separate=True)
