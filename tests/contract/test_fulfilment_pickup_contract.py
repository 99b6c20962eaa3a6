"""Click & collect in the allocator, alike on memory, SQLite and PostgreSQL: the feed carries a
paid order's pickup store; the allocator assigns a pickup order to its store's shelf and never
to a DC, ships the others from DCs and never from the store; a store short of the order keeps
it waiting there until stock comes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from flashsale.bootstrap import Shop, build_shop
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import NotFound
from flashsale.orders.domain.delivery import Delivery, DeliveryMethod
from flashsale.orders.domain.events import EventCursor
from flashsale.record.store import Store
from tests.conftest import fast_settings
from tests.contract.record_world import T0, feed_caught_up, order, payment_for
from tests.contract.test_fulfilment_repository_contract import HOME, PAID_AT, stocked
from tests.contract.test_inventory_repository_contract import SKU
from tests.contract.test_store_repository import BLR as MH_BLR
from tests.contract.test_store_repository import PROFILE

PICKUP = Delivery(DeliveryMethod.PICKUP, "MH-BLR")


@pytest.fixture
async def shop(store: Store) -> AsyncIterator[Shop]:
    built = await build_shop(fast_settings(), clock=ManualClock(PAID_AT), store=store)
    yield built
    await built.stop()


async def with_store(store: Store, dc_units: int, store_units: int) -> None:
    await stocked(store, units=dc_units)
    await store.store_add(MH_BLR, PROFILE, [])
    if store_units:
        receipt = StockChange("MH-BLR", SKU, MoveKind.RECEIPT, store_units, "PO-2", "staff:1", T0)
        await store.record_changes([receipt])


async def paid(store: Store, order_id: str, n: int, pickup: bool) -> None:
    placed = order(order_id, n, key=order_id)
    await store.insert_orders([placed])
    assert await store.set_shipping_address(order_id, HOME, T0)
    if pickup:
        assert await store.set_delivery(order_id, PICKUP, T0)
    await store.mark_paid([payment_for(placed, PAID_AT)])


async def test_the_feed_and_the_lookup_give_the_pickup_store(store: Store) -> None:
    await with_store(store, 5, 1)
    await paid(store, "ord_a", 1, pickup=True)
    await paid(store, "ord_b", 2, pickup=False)
    await feed_caught_up(store)
    page = await store.paid_and_cancelled(EventCursor(), 10)
    assert [(e.order_id, e.pickup) for e in page.entries] == [("ord_a", "MH-BLR"), ("ord_b", None)]
    assert await store.pickup_stores(["ord_a", "ord_b", "ord_none", "ord_a"]) == {"ord_a": "MH-BLR"}
    assert await store.pickup_stores([]) == {}


async def test_a_pickup_order_goes_to_its_store_and_a_shipped_one_never_does(
    store: Store, shop: Shop
) -> None:
    await with_store(store, 5, 1)
    await paid(store, "ord_a", 1, pickup=True)
    await paid(store, "ord_b", 2, pickup=True)  # the store's one unit is ord_a's: it waits
    await paid(store, "ord_c", 3, pickup=False)
    await feed_caught_up(store)
    allocators = shop.fulfilment.allocators
    await allocators.allocate_now("IN")
    found = {p.source_id: p for p in await store.fulfilment_orders_of(["ord_a", "ord_b", "ord_c"])}
    assert (found["ord_a"].status, found["ord_a"].location) == (
        FulfilmentStatus.ALLOCATED,
        "MH-BLR",
    )
    waiting = found["ord_b"]
    assert (waiting.status, waiting.location) == (FulfilmentStatus.UNALLOCATED, None)
    assert "pickup store MH-BLR has 0" in waiting.reason
    assert found["ord_c"].location == "DC-BLR"  # the DC, although the store is a location too
    # Stock reaches the store: the waiting order is placed there, never at the DC's 4 free.
    receipt = StockChange("MH-BLR", SKU, MoveKind.RECEIPT, 1, "PO-3", "staff:1", T0)
    await store.record_changes([receipt])
    await allocators.allocate_now("IN")
    (placed,) = await store.fulfilment_orders_of(["ord_b"])
    assert (placed.status, placed.location) == (FulfilmentStatus.ALLOCATED, "MH-BLR")
    levels = {lv.location: lv for lv in await store.stock_levels(sku=SKU)}
    assert (levels["MH-BLR"].on_hand, levels["MH-BLR"].allocated) == (2, 2)
    assert (levels["DC-BLR"].on_hand, levels["DC-BLR"].allocated) == (5, 1)
    audit = await shop.fulfilment.audit.audit()
    assert audit.clean, [d.describe() for d in audit.discrepancies]


async def test_the_dc_lists_its_transfers_by_store_until_each_is_received(
    store: Store, shop: Shop
) -> None:
    await stocked(store, units=5)
    await store.store_add(MH_BLR, replace(PROFILE, pickup_by_transfer=True), [])
    await paid(store, "ord_a", 1, pickup=True)  # the store's shelf is empty: sent from the DC
    await paid(store, "ord_b", 2, pickup=True)
    await paid(store, "ord_c", 3, pickup=False)
    await feed_caught_up(store)
    await shop.fulfilment.allocators.allocate_now("IN")
    sent = await store.transfers_from("DC-BLR", 10)
    assert [(to, fo.source_id, fo.quantity) for to, fo in sent] == [
        ("MH-BLR", "ord_a", 1),
        ("MH-BLR", "ord_b", 1),
    ]
    assert [fo.id for fo in await store.transfers_to("MH-BLR", 10)] == [fo.id for _, fo in sent]
    assert await store.transfers_from("MH-BLR", 10) == []
    assert await store.transfers_from("DC-BLR", 1) == sent[:1]
    (delivery,) = await shop.pickups.transfers.leaving("dc-blr")
    assert (delivery.store, delivery.lines) == ("MH-BLR", [(SKU, 2)])
    await shop.pickups.transfers.receive("MH-BLR", "stf_1", "ord_a")
    assert [fo.source_id for _, fo in await store.transfers_from("DC-BLR", 10)] == ["ord_b"]
    with pytest.raises(NotFound):
        await shop.pickups.transfers.leaving("DC-NOWHERE")
