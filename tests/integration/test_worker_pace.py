"""A worker's back office yields to a sale it reads in the order event feed: its shop's pace
turns busy while orders are written fast by another process's hand, and quiet after (SQLite and
PostgreSQL, the records a worker runs on)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flashsale.bootstrap import build_shop
from flashsale.kernel.pace import QUIET_SECONDS
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from tests.conftest import fast_settings
from tests.contract.conftest import migrated_postgres_database
from tests.contract.record_world import order, world

BUYERS = 3_000
BATCH = 100  # orders a commit, every 50 ms: some 2,000 a second, ten times the busy rate


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'flashsale.db'}"
        await upgrade_database(url)
        yield url
        return
    async with migrated_postgres_database(request.getfixturevalue("postgres_server_url")) as url:
        yield url


async def test_a_worker_is_busy_while_orders_are_written_fast_and_quiet_after(
    database_url: str,
) -> None:
    writer = await SqlStore.open(database_url)  # the servers' side of the record
    await world(writer, customers=BUYERS)
    worker = await build_shop(
        fast_settings(database_url=database_url),
        store=await SqlStore.open(database_url),
        sells=False,
    )
    server = await build_shop(
        fast_settings(database_url=database_url), store=await SqlStore.open(database_url)
    )
    worker.start_pacing()
    server.start_pacing()  # a server counts its own arrivals: nothing to start
    try:
        await asyncio.sleep(0.6)
        assert not worker.pace.busy()
        busy_while_selling = []
        for n in range(0, BUYERS, BATCH):
            await writer.insert_orders([order(f"ord_{b}", b) for b in range(n + 1, n + BATCH + 1)])
            await asyncio.sleep(0.05)
            busy_while_selling.append(worker.pace.busy())
            assert not server.pace.busy()  # none of these purchases reached its process
        assert busy_while_selling[-1]
        sold_out_at = time.monotonic()
        while worker.pace.busy():
            assert time.monotonic() - sold_out_at < QUIET_SECONDS + 5, "busy long after"
            await asyncio.sleep(0.05)
        assert time.monotonic() - sold_out_at >= QUIET_SECONDS - 0.5
    finally:
        await worker.aclose()
        await server.aclose()
        await writer.close()
