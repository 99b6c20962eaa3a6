"""kill -9 of an allocator process in the middle of a batch, on PostgreSQL: the batch's
fulfilment orders, level updates, events and cursor vanish together, and the allocator that
comes after places every order exactly once (no double fulfilment order, no lost order).

The child process allocates in batches of ``BATCH``; the third batch to move the cursor stops
after every statement of its transaction has run but before the commit, says so, and waits to
be killed (with the batch sent ahead behind it, waiting for the cursor's row).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from flashsale.bootstrap import build_shop
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.kernel.clock import ManualClock
from flashsale.record.sql_store import SqlStore
from tests.conftest import fast_settings
from tests.contract.conftest import empty_tables
from tests.contract.record_world import T0, feed_caught_up, order, payment_for, world
from tests.contract.test_inventory_repository_contract import BLR, SKU

ORDERS = 300
BATCH = 60
STOPS_IN = 3  # the batch the child is killed in
PAID_AT = T0 + timedelta(minutes=1)
PROJECT = Path(__file__).resolve().parents[2]  # where the child imports ``tests`` from

CHILD = f"""
import asyncio, sys
from datetime import datetime
from flashsale.bootstrap import build_shop
from flashsale.fulfilment.adapters.sql_allocation import SqlAllocation
from flashsale.kernel.clock import ManualClock
from flashsale.record.sql_store import SqlStore
from tests.conftest import fast_settings

written = 0
batch = SqlAllocation._pg_batch

async def stopping(self, *args, **kwargs):
    global written
    stored = await batch(self, *args, **kwargs)
    written += stored  # a batch sent ahead of its cursor's move writes nothing: not counted
    if stored and written == {STOPS_IN}:
        print("inside the transaction", flush=True)
        await asyncio.sleep(3600)
    return stored

SqlAllocation._pg_batch = stopping

async def main():
    store = await SqlStore.open(sys.argv[1])
    at = datetime.fromisoformat(sys.argv[2])
    shop = await build_shop(fast_settings(), clock=ManualClock(at), store=store)
    shop.fulfilment.allocators.of("IN")._batch = {BATCH}
    await shop.fulfilment.allocators.allocate_now("IN")

asyncio.run(main())
"""


async def counts(store: SqlStore) -> tuple[int, int, int, int]:
    """Fulfilment orders, distinct orders among them, allocated events, units allocated."""
    async with store.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM fulfilment_orders),"
                    " (SELECT count(DISTINCT source_id) FROM fulfilment_orders),"
                    " (SELECT count(*) FROM order_events WHERE kind = 'fulfilment.allocated'),"
                    " (SELECT coalesce(sum(allocated), 0) FROM stock_levels)"
                )
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


@pytest.mark.slow
async def test_an_allocator_killed_mid_batch_loses_nothing_and_doubles_nothing(
    migrated_postgres_url: str,
) -> None:
    url = migrated_postgres_url
    setup = await SqlStore.open(url)
    await empty_tables(setup.engine)
    await world(setup, customers=ORDERS)
    await setup.add_location(BLR)
    receipt = StockChange("DC-BLR", SKU, MoveKind.RECEIPT, ORDERS, "PO", "staff:1", T0)
    await setup.record_changes([receipt])
    orders = [order(f"ord_{n:04d}", n + 1, key=f"k{n}") for n in range(ORDERS)]
    await setup.insert_orders(orders)
    await setup.mark_paid([payment_for(o, PAID_AT) for o in orders])
    await feed_caught_up(setup)

    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        url,
        PAID_AT.isoformat(),
        stdout=asyncio.subprocess.PIPE,
        cwd=PROJECT,
    )
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), timeout=60)
        assert line == b"inside the transaction\n", line
        # What the child has written so far, its open transaction's rows unseen.
        assert await counts(setup) == (2 * BATCH, 2 * BATCH, 2 * BATCH, 2 * BATCH)
    finally:
        child.kill()  # SIGKILL: no cleanup, no rollback by the client
        await child.wait()
    assert child.returncode == -9

    shop = await build_shop(fast_settings(), clock=ManualClock(PAID_AT), store=setup)
    try:
        done = await shop.fulfilment.allocators.allocate_now("IN")
        # It starts at the cursor the killed batch did not move: the third batch on.
        assert done.allocated == ORDERS - 2 * BATCH, done
        assert await counts(setup) == (ORDERS, ORDERS, ORDERS, ORDERS)
        parts = await setup.fulfilment_orders_of([o.id for o in orders])
        assert sorted(p.source_id for p in parts) == [o.id for o in orders]
        audit = await shop.fulfilment.audit.audit()
        assert audit.clean, [d.describe() for d in audit.discrepancies]
        again = await shop.fulfilment.allocators.allocate_now("IN")
        assert again.allocated == 0 and await counts(setup) == (ORDERS,) * 4
    finally:
        await shop.aclose()
