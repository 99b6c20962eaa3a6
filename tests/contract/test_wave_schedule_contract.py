"""The worker's waves on every record (memory, SQLite, PostgreSQL): paid orders allocated from
the feed, then the allocators' loop cuts a wave every interval at the DC, each the interval's
share of the hour and never over any hour's capacity; and on PostgreSQL, two processes cutting
at the same moments never take the same order nor spend the same hour twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from flashsale.bootstrap import Shop, build_shop
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.fulfilment.domain.waves import CAPACITY_WINDOW, Wave
from flashsale.fulfilment.ops_errors import NothingToWave
from flashsale.fulfilment.service.waves import SCHEDULE_ACTOR
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.kernel.clock import ManualClock
from flashsale.record.sql_store import SqlStore
from flashsale.record.store import Store
from tests.conftest import fast_settings
from tests.contract.conftest import empty_tables
from tests.contract.record_world import T0, feed_caught_up, order, payment_for, world
from tests.contract.test_fulfilment_repository_contract import (
    HOME,
    PAID_AT,
    paid_orders,
    plan_for,
    stocked,
)
from tests.contract.test_inventory_repository_contract import BLR, SKU

START = PAID_AT + timedelta(minutes=2)
IDS = [f"ord_{c}" for c in "abcdefghij"]


def assert_no_hour_over(waves: list[Wave], capacity: int) -> None:
    for wave in waves:
        hour = [w for w in waves if wave.cut_at - CAPACITY_WINDOW < w.cut_at <= wave.cut_at]
        assert sum(len(w.orders) for w in hour) <= capacity, [
            (w.cut_at, len(w.orders)) for w in hour
        ]


async def allocated(store: Store, shop: Shop, capacity: int) -> None:
    await stocked(store, units=len(IDS))
    await store.replace_location(replace(BLR, capacity_per_hour=capacity))
    await paid_orders(store, IDS)
    await feed_caught_up(store)
    await shop.fulfilment.allocators.allocate_now("IN")
    parts = await store.fulfilment_orders_of(IDS)
    assert {(p.location, p.status) for p in parts} == {("DC-BLR", FulfilmentStatus.ALLOCATED)}


@pytest.fixture
async def shop(store: Store) -> AsyncIterator[Shop]:
    built = await build_shop(fast_settings(), clock=ManualClock(START), store=store)
    yield built
    await built.stop()
    await built.leadership.close()  # the store is the fixture's to close


async def test_the_allocators_loop_cuts_waves_on_the_schedule(store: Store, shop: Shop) -> None:
    await allocated(store, shop, capacity=4)
    clock = shop.clock
    assert isinstance(clock, ManualClock)
    allocators = shop.fulfilment.allocators
    allocators.cut_waves(shop.fulfilment_ops.waves, 30)
    for _ in range(12 * 5):  # five-minute steps, five hours
        await allocators.step()
        clock.advance(5 * 60)
    waves = sorted(await store.waves("DC-BLR", 100), key=lambda w: w.cut_at)
    assert {w.cut_by for w in waves} == {SCHEDULE_ACTOR}
    # Half the hour's 4 orders every 30 minutes: 2 each, the oldest paid first.
    assert [len(w.orders) for w in waves] == [2] * 5
    assert [w.cut_at - START for w in waves] == [timedelta(minutes=30 * n) for n in range(1, 6)]
    assert_no_hour_over(waves, 4)
    waved = [fo.source_id for w in waves for fo in w.orders]
    assert sorted(waved) == IDS
    picking = await store.fulfilment_orders(FulfilmentStatus.PICKING, limit=100)
    assert len(picking) == len(IDS)
    audit = await shop.fulfilment.audit.audit()
    assert audit.clean, [d.describe() for d in audit.discrepancies]


@contextlib.asynccontextmanager
async def process(url: str, clock: ManualClock) -> AsyncIterator[Shop]:
    """Another worker process: its own engine and connection pool."""
    store = await SqlStore.open(url)
    shop = await build_shop(fast_settings(), clock=clock, store=store)
    try:
        yield shop
    finally:
        await shop.aclose()


async def cut_by_hand(shop: Shop, max_orders: int | None = None) -> Wave | None:
    try:
        return await shop.fulfilment_ops.waves.cut("DC-BLR", max_orders, "staff:1")
    except NothingToWave:
        return None


ROUNDS = 30
CAPACITY = 6


async def many_allocated(store: Store, n: int) -> list[str]:
    """``n`` paid orders, a customer each, allocated at DC-BLR."""
    await world(store, customers=n)
    await store.add_location(replace(BLR, capacity_per_hour=CAPACITY))
    receipt = StockChange("DC-BLR", SKU, MoveKind.RECEIPT, n, "PO-1", "staff:1", T0)
    await store.record_changes([receipt])
    orders = [order(f"ord_{k:04d}", k, key=f"k{k}") for k in range(1, n + 1)]
    await store.insert_orders(orders)
    for o in orders:
        assert await store.set_shipping_address(o.id, HOME, T0)
    await store.mark_paid([payment_for(o, PAID_AT) for o in orders])
    ids = [o.id for o in orders]
    # Written as the allocator would, without waiting for the feed: the race is the waves'.
    assert await store.write_allocation("allocator:IN", None, None, plan_for(ids), "b1")
    return ids


@pytest.mark.slow
async def test_two_processes_cutting_at_once_take_no_order_twice(
    migrated_postgres_url: str,
) -> None:
    """Two schedules (as if both believed they led, as during a change of leader) and a person
    cut at the same instants, each instant in a new hour; the cut's transaction is all that
    keeps them apart: no order twice, no hour over its capacity, every order waved in the end."""
    setup = await SqlStore.open(migrated_postgres_url)
    await empty_tables(setup.engine)
    clocks = [ManualClock(START), ManualClock(START)]
    async with (
        process(migrated_postgres_url, clocks[0]) as one,
        process(migrated_postgres_url, clocks[1]) as two,
    ):
        ids = await many_allocated(setup, ROUNDS * CAPACITY)
        schedules = []
        for shop in (one, two):
            # An hour's interval: each scheduled wave would take the whole hour's capacity.
            shop.fulfilment.allocators.cut_waves(shop.fulfilment_ops.waves, 60)
            assert shop.fulfilment.allocators.wave_schedule is not None
            schedules.append(shop.fulfilment.allocators.wave_schedule)
        crowded = 0  # instants at which more than one cut took orders
        at: datetime = START
        for _ in range(2 * ROUNDS):  # a wave by hand first moves the schedules' turn
            if len(await setup.fulfilment_orders(FulfilmentStatus.PICKING, limit=1000)) == len(ids):
                break
            at += timedelta(minutes=61)
            for clock in clocks:
                clock.set(at)
            first, second, by_hand = await asyncio.gather(
                schedules[0].cut_due("IN"), schedules[1].cut_due("IN"), cut_by_hand(two, 2)
            )
            cut = first + second + ([by_hand] if by_hand else [])
            crowded += len(cut) > 1
            assert 0 < sum(len(w.orders) for w in cut) <= CAPACITY  # whoever won
        waves = sorted(await setup.waves("DC-BLR", 1000), key=lambda w: (w.cut_at, w.id))
        waved = [fo.source_id for w in waves for fo in w.orders]
        assert len(waved) == len(set(waved)) == len(ids)  # each order once, every one
        assert_no_hour_over(waves, CAPACITY)
        picking = await setup.fulfilment_orders(FulfilmentStatus.PICKING, limit=1000)
        assert len(picking) == len(ids)
        audit = await one.fulfilment.audit.audit()
        assert audit.clean, [d.describe() for d in audit.discrepancies]
        # The race was real: at some instants two cuts took orders, each what the other left.
        assert crowded > 0, crowded
    await setup.close()
