"""The allocator on the memory record: paid orders placed by region, cancels released, orders
that wait for stock placed when it arrives, the cancel refused once picking starts."""

from __future__ import annotations

import pytest

from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.orders.domain.events import OrderEventKind
from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.errors import OrderInFulfilment
from tests.unit.fulfilment.conftest import Warehouse


async def test_a_paid_order_goes_to_the_dc_ranking_its_region_first(warehouse: Warehouse) -> None:
    await warehouse.receive("DC-BLR", 5)
    await warehouse.receive("DC-GGN", 5)
    south = await warehouse.paid_order("IN-KA")
    north = await warehouse.paid_order("IN-DL")
    done = await warehouse.allocate()
    assert done.allocated == 2
    assert await warehouse.where(south) == [("DC-BLR", "allocated", 1)]
    assert await warehouse.where(north) == [("DC-GGN", "allocated", 1)]
    history = await warehouse.shop.order_events.history(south.id)
    allocated = [e for e in history if e.kind is OrderEventKind.ALLOCATED]
    assert [e.data["location"] for e in allocated] == ["DC-BLR"]
    await warehouse.assert_audit_clean()


async def test_the_sale_is_allotted_by_free_stock_and_orders_draw_from_it(
    warehouse: Warehouse,
) -> None:
    await warehouse.receive("DC-BLR", 30)
    await warehouse.receive("DC-GGN", 10)
    order = await warehouse.paid_order("IN-KA", 2)
    await warehouse.allocate()
    allotments = {a.location: a for a in await warehouse.f.allotments.of_sale(order.sale_id)}
    assert {k: a.quantity for k, a in allotments.items()} == {"DC-BLR": 8, "DC-GGN": 2}
    assert allotments["DC-BLR"].drawn == 2
    (level,) = await warehouse.f.stock.levels("DC-BLR")
    assert (level.on_hand, level.allocated, level.committed) == (30, 2, 6)
    await warehouse.assert_audit_clean()


async def test_a_region_its_dcs_cannot_serve_spills_down_the_chain(warehouse: Warehouse) -> None:
    await warehouse.receive("DC-GGN", 3)
    order = await warehouse.paid_order("IN-KA")  # BLR ranks it first but has nothing
    await warehouse.allocate()
    assert await warehouse.where(order) == [("DC-GGN", "allocated", 1)]


async def test_an_order_nobody_can_serve_waits_with_its_reason_and_is_placed_on_receipt(
    warehouse: Warehouse,
) -> None:
    order = await warehouse.paid_order("IN-KA", 2)
    done = await warehouse.allocate()
    assert done.unallocated == 1
    (waiting,) = await warehouse.f.orders.listed(FulfilmentStatus.UNALLOCATED)
    assert "no location has 2" in waiting.reason
    await warehouse.receive("DC-GGN", 2)
    await warehouse.allocate()
    assert await warehouse.where(order) == [("DC-GGN", "allocated", 2)]
    await warehouse.assert_audit_clean()


async def test_a_cancel_while_allocated_releases_the_units_once(warehouse: Warehouse) -> None:
    await warehouse.receive("DC-BLR", 10)
    order = await warehouse.paid_order("IN-KA")
    await warehouse.allocate()
    await warehouse.shop.orders.cancel(order.customer_id, order.id)
    await warehouse.allocate()
    await warehouse.allocate()  # nothing new: released once
    assert await warehouse.where(order) == [("DC-BLR", "cancelled", 1)]
    (level,) = await warehouse.f.stock.levels("DC-BLR")
    assert level.allocated == 0 and level.committed == 10  # back in the sale's allotment
    await warehouse.assert_audit_clean()


async def test_once_picking_starts_the_cancel_is_refused(warehouse: Warehouse) -> None:
    await warehouse.receive("DC-BLR", 10)
    order = await warehouse.paid_order("IN-KA")
    await warehouse.allocate()
    (fo,) = await warehouse.shop.store.fulfilment_orders_of([order.id])
    await warehouse.f.orders.move(fo.id, FulfilmentStatus.PICKING)
    with pytest.raises(OrderInFulfilment):
        await warehouse.shop.orders.cancel(order.customer_id, order.id)
    stored = await warehouse.shop.store.order(order.id)
    assert stored is not None and stored.status is OrderStatus.PAID


async def test_paid_then_cancelled_before_the_allocator_comes_leaves_nothing_promised(
    warehouse: Warehouse,
) -> None:
    await warehouse.receive("DC-BLR", 10)
    order = await warehouse.paid_order("IN-KA")
    await warehouse.shop.orders.cancel(order.customer_id, order.id)
    await warehouse.allocate()
    assert await warehouse.where(order) == []
    await warehouse.assert_audit_clean()
