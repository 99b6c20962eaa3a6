"""The counter's click & collect on every record (memory, SQLite, PostgreSQL): an order the
allocator put on Mi Home Bengaluru's shelf is readied with a code and handed over once, even
when the clerk's tap arrives twice at the same moment; the ledger's audit stays clean."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from flashsale.bootstrap import Shop, build_shop
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.inventory.domain.stock import MoveKind
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import NotFound
from flashsale.record.store import Store
from flashsale.stores.domain.pickup import PickupStatus
from tests.conftest import fast_settings
from tests.contract.record_world import feed_caught_up
from tests.contract.test_fulfilment_pickup_contract import paid, with_store
from tests.contract.test_fulfilment_repository_contract import PAID_AT


@pytest.fixture
async def shop(store: Store) -> AsyncIterator[Shop]:
    built = await build_shop(fast_settings(), clock=ManualClock(PAID_AT), store=store)
    yield built
    await built.stop()


async def test_a_pickup_is_readied_with_a_code_and_handed_over_once(
    store: Store, shop: Shop
) -> None:
    await with_store(store, 0, 2)
    await paid(store, "ord_a", 1, pickup=True)
    await feed_caught_up(store)
    await shop.fulfilment.allocators.allocate_now("IN")
    ready = await shop.pickups.ready("MH-BLR", "stf_1", "ord_a")
    assert ready.status is PickupStatus.READY and ready.clerk == "stf_1"
    assert await shop.pickups.ready("MH-BLR", "stf_2", "ord_a") == ready
    with pytest.raises(NotFound):
        await shop.pickups.ready("MH-KOR", "stf_1", "ord_a")
    outcomes = await asyncio.gather(
        shop.pickups.collect("MH-BLR", "stf_1", ready.code),
        shop.pickups.collect("MH-BLR", "stf_1", ready.code),
        return_exceptions=True,
    )
    assert any(not isinstance(o, BaseException) for o in outcomes), outcomes
    assert all(not isinstance(o, BaseException) or isinstance(o, NotFound) for o in outcomes)
    (fo,) = await store.fulfilment_orders_of(["ord_a"])
    assert (fo.status, fo.location) == (FulfilmentStatus.DELIVERED, "MH-BLR")
    closed = await store.pickup_of_order("ord_a")
    assert closed is not None and closed.status is PickupStatus.COLLECTED
    (level,) = await store.stock_levels("MH-BLR")
    assert (level.on_hand, level.allocated) == (1, 0)
    ships = [m for m in await store.moves("MH-BLR") if m.kind is MoveKind.SHIP]
    assert [(m.on_hand_change, m.allocated_change) for m in ships] == [(-1, -1)]
    audit = await shop.fulfilment.audit.audit()
    assert audit.clean, [d.describe() for d in audit.discrepancies]
