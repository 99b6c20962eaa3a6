"""A till and a click & collect order race for a store's last unit, round after round, on
SQLite and PostgreSQL: exactly one wins it (the till's sale, or the allocator placing the
pickup on the shelf), the loser changes nothing (the till answers 409, the pickup waits), and
the stock audit is clean at the end."""

from __future__ import annotations

import asyncio
from pathlib import Path

from flashsale.bootstrap import build_shop
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.kernel.clock import ManualClock
from flashsale.orders.domain.delivery import Delivery, DeliveryMethod
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.sql_store import SqlStore
from flashsale.stores.domain.sale import TenderMethod
from flashsale.stores.errors import InsufficientStoreStock
from flashsale.stores.service.selling import SaleRequest
from tests.conftest import fast_settings
from tests.contract.conftest import empty_tables, migrated_postgres_database
from tests.contract.record_world import T0, feed_caught_up, order, payment_for, stocked_world
from tests.contract.test_fulfilment_repository_contract import PAID_AT, _refund
from tests.contract.test_store_repository import BLR, PROFILE, SKU, clerk

ROUNDS = 30
PICKUP = Delivery(DeliveryMethod.PICKUP, "MH-BLR")


async def race(url: str) -> None:
    store = await SqlStore.open(url)
    shop = await build_shop(fast_settings(), clock=ManualClock(PAID_AT), store=store)
    try:
        if store.engine.dialect.name == "postgresql":
            await empty_tables(store.engine)
        await stocked_world(store, stock=ROUNDS, limit=1, customers=ROUNDS)
        await store.add_staff_member(clerk())
        await store.store_add(BLR, PROFILE, ["stf_1"])
        _, token = await shop.stores.tills.add("MH-BLR", "Till A")
        till = await shop.stores.sessions.open(token, clerk())
        allocators = shop.fulfilment.allocators

        async def sell(n: int) -> bool:
            # Started a little later round by round, so each side wins some rounds: the
            # allocator's step reads its cursor and the feed before its write.
            await asyncio.sleep((n % 6) * 0.003)
            request = SaleRequest([(SKU, 1)], TenderMethod.CASH)
            try:
                await shop.stores.pos.sell(till, request, f"k-{n}")
            except InsufficientStoreStock:
                return False
            return True

        sold = placed = 0
        for n in range(ROUNDS):
            receipt = StockChange("MH-BLR", SKU, MoveKind.RECEIPT, 1, f"PO-{n}", "staff:1", T0)
            await store.record_changes([receipt])
            placed_order = order(f"ord_{n}", n + 1, key=f"k{n}")
            assert (await store.insert_orders([placed_order])).stored == {placed_order.id}
            assert await store.set_delivery(placed_order.id, PICKUP, T0)
            await store.mark_paid([payment_for(placed_order, PAID_AT)])
            await feed_caught_up(store)
            till_won, _ = await asyncio.gather(sell(n), allocators.allocate_now("IN"))
            (fo,) = await store.fulfilment_orders_of([placed_order.id])
            pickup_won = fo.status is FulfilmentStatus.ALLOCATED
            assert till_won != pickup_won, f"round {n}: till {till_won}, pickup {pickup_won}"
            assert fo.location in (None, "MH-BLR")  # never a DC, never elsewhere
            sold += till_won
            placed += pickup_won
            if till_won:  # the pickup waits at the store: the fan is refunded, rounds stay apart
                refund = _refund(placed_order.id)
                assert await store.cancel_paid_order(placed_order.id, PAID_AT, "staff:1", refund)
                await feed_caught_up(store)
                await allocators.allocate_now("IN")
            (level,) = await store.stock_levels("MH-BLR", SKU)
            assert (level.on_hand, level.allocated) == (placed, placed)  # set aside, not sold
        assert sold + placed == ROUNDS
        audit = await shop.fulfilment.audit.audit()
        assert audit.clean, [d.describe() for d in audit.discrepancies]
    finally:
        await shop.stop()
        await store.close()


async def test_a_till_and_a_pickup_race_for_the_last_unit_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    await upgrade_database(url)
    await race(url)


async def test_a_till_and_a_pickup_race_for_the_last_unit_on_postgres(
    postgres_server_url: str,
) -> None:
    async with migrated_postgres_database(postgres_server_url) as url:
        await race(url)
