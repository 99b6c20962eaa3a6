"""Two allocators, receipts, write-offs and cancels racing for the last unit at a DC, on
PostgreSQL: the unit is never allocated twice (Saleor's oversell, notes §4.1).

Each round leaves exactly one free unit at the DC and pays two new orders for it; then, at the
same moment, two allocators (each its own engine and connection pool, both believing they
lead) step, a write-off asks for that same unit, a receipt lands, and an earlier allocated
order is cancelled. Afterwards the allocators drain the feed and every rule must hold: each
order has at most one fulfilment order, the level's allocated equals the units of the open
fulfilment orders and never passes on-hand, and the stock audit is clean.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from flashsale.bootstrap import Shop, build_shop
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.inventory.errors import InsufficientOnHand
from flashsale.kernel.clock import ManualClock
from flashsale.orders.domain.refunds import Refund, RefundStatus
from flashsale.record.sql_store import SqlStore
from tests.conftest import fast_settings
from tests.contract.conftest import empty_tables
from tests.contract.record_world import BAND_PRICE, T0, feed_caught_up, order, payment_for, world
from tests.contract.test_inventory_repository_contract import BLR, SKU

ROUNDS = 12
PAID_AT = T0 + timedelta(minutes=1)


@contextlib.asynccontextmanager
async def allocator_shop(url: str) -> AsyncIterator[Shop]:
    store = await SqlStore.open(url)
    shop = await build_shop(fast_settings(), clock=ManualClock(PAID_AT), store=store)
    try:
        yield shop
    finally:
        await shop.aclose()


def cancel_refund(order_id: str) -> Refund:
    return Refund(
        f"ref_{order_id}", order_id, BAND_PRICE, "cancelled", RefundStatus.PENDING,
        "customer:1", f"cancel:{order_id}", PAID_AT,
    )  # fmt: skip


async def write_off_last_unit(store: SqlStore, delay: float) -> bool:
    await asyncio.sleep(delay)  # so that sometimes it wins the unit, sometimes an allocator
    change = StockChange("DC-BLR", SKU, MoveKind.WRITE_OFF, 1, "damaged", "staff:1", PAID_AT)
    try:
        await store.record_changes([change])
    except InsufficientOnHand:
        return False
    return True


@pytest.mark.slow
async def test_two_allocators_never_allocate_the_last_unit_twice(
    migrated_postgres_url: str,
) -> None:
    url = migrated_postgres_url
    setup = await SqlStore.open(url)
    await empty_tables(setup.engine)
    await world(setup, customers=3 * ROUNDS + 3, limit=10)
    await setup.add_location(BLR)
    async with allocator_shop(url) as one, allocator_shop(url) as two:
        first, second = one.fulfilment.allocators.of("IN"), two.fulfilment.allocators.of("IN")
        allocated: list[str] = []
        jitter = random.Random(16)
        written_off = 0
        for n in range(ROUNDS):
            # One free unit, two new paid orders for it.
            levels = await setup.stock_levels("DC-BLR")
            free = levels[0].free if levels else 0
            if free < 1:
                receipt = StockChange("DC-BLR", SKU, MoveKind.RECEIPT, 1 - free, "PO", "s", T0)
                await setup.record_changes([receipt])
            orders = [order(f"ord_{n}_{k}", 3 * n + k + 1, key=f"{n}{k}") for k in (1, 2)]
            await setup.insert_orders(orders)
            await setup.mark_paid([payment_for(o, PAID_AT) for o in orders])
            await feed_caught_up(setup)
            racers = [
                first.step(),
                second.step(),
                write_off_last_unit(setup, jitter.uniform(0, 0.04)),
            ]
            if allocated:
                victim = allocated.pop(0)
                racers.append(setup.cancel_paid_order(victim, PAID_AT, "c", cancel_refund(victim)))
            results = await asyncio.gather(*racers, return_exceptions=True)
            assert not [r for r in results if isinstance(r, BaseException)], results
            written_off += results[2] is True
            await feed_caught_up(setup)
            await one.fulfilment.allocators.allocate_now("IN")
            await two.fulfilment.allocators.allocate_now("IN")
            parts = await setup.fulfilment_orders_of([o.id for o in orders])
            assert len({p.source_id for p in parts}) == len(parts), parts  # one each, never two
            allocated += [p.source_id for p in parts if p.status is FulfilmentStatus.ALLOCATED]
            (level,) = await setup.stock_levels("DC-BLR")
            open_units = sum((await setup.open_allocations()).values())
            assert level.allocated == open_units <= level.on_hand, (level, open_units)
            assert level.allocated + level.committed <= level.on_hand
        audit = await one.fulfilment.audit.audit()
        assert audit.clean, [d.describe() for d in audit.discrepancies]
        # The races were real: some rounds the write-off won the unit, some an allocator did.
        assert 0 < written_off < ROUNDS, written_off
    await setup.close()
