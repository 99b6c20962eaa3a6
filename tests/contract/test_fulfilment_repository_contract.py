"""The FulfilmentRepository contract (memory, SQLite, PostgreSQL): the feed's paid and
cancelled orders with what allocation needs, and the allocation batch written whole or not at
all: the cursor's compare-and-set, the guards of levels, allotments and fulfilment orders, a
replayed batch refused, the events in the same write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from flashsale.bootstrap import Shop, build_shop
from flashsale.fulfilment.domain.allocation import Decision, Part
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.fulfilment.domain.plan import AllocationPlan, PlanBuilder
from flashsale.fulfilment.domain.strategies import Need
from flashsale.fulfilment.ports import AlreadyPlaced, StaleSnapshot
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.kernel.clock import ManualClock
from flashsale.orders.domain.events import EventCursor, OrderEventKind
from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.domain.refunds import Refund, RefundStatus
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.record.store import Store
from tests.conftest import fast_settings
from tests.contract.record_world import (
    BAND_PRICE,
    T0,
    feed_caught_up,
    order,
    payment_for,
    world,
)
from tests.contract.test_inventory_repository_contract import BLR, GGN, SKU

HOME = ShippingAddress(
    "Asha Rao",
    "12 MG Road",
    "Bengaluru",
    "560001",
    "+91 80 1234 5678",
    country="IN",
    region="IN-KA",
)
PAID_AT = T0 + timedelta(minutes=1)


async def paid_orders(store: Store, ids: list[str], region: bool = True) -> None:
    orders = [order(i, ord(i[-1]) % 20 + 1, key=i) for i in ids]
    await store.insert_orders(orders)
    if region:
        for o in orders:
            assert await store.set_shipping_address(o.id, HOME, T0)
    await store.mark_paid([payment_for(o, PAID_AT) for o in orders])


async def stocked(store: Store, units: int = 10) -> None:
    await world(store, customers=20)
    await store.add_location(BLR)
    await store.add_location(GGN)
    if units:
        receipt = StockChange("DC-BLR", SKU, MoveKind.RECEIPT, units, "PO-1", "staff:1", T0)
        await store.record_changes([receipt])


def plan_for(ids: list[str], location: str = "DC-BLR", quantity: int = 1) -> AllocationPlan:
    builder = PlanBuilder("IN", PAID_AT, iter(f"fo_{i}" for i in range(1000)).__next__)
    for i in ids:
        need = Need(i, "sale_band", SKU, quantity, "IN-KA", PAID_AT)
        builder.new(Decision(need, (Part(location, quantity, 0),)))
    return builder.finish("")


@pytest.fixture
async def shop(store: Store) -> AsyncIterator[Shop]:
    built = await build_shop(fast_settings(), clock=ManualClock(PAID_AT), store=store)
    yield built
    await built.stop()


async def test_the_feed_gives_paid_and_cancelled_orders_with_their_region(store: Store) -> None:
    await stocked(store)
    await paid_orders(store, ["ord_a", "ord_b"])
    await paid_orders(store, ["ord_c"], region=False)
    await store.close_orders(["ord_x"], OrderStatus.CANCELLED, T0)  # no such order: no event
    await feed_caught_up(store)
    page = await store.paid_and_cancelled(EventCursor(), 10)
    assert [(e.kind, e.order_id, e.region) for e in page.entries] == [
        (OrderEventKind.PAID, "ord_a", "IN-KA"),
        (OrderEventKind.PAID, "ord_b", "IN-KA"),
        (OrderEventKind.PAID, "ord_c", None),
    ]
    first = page.entries[0]
    assert (first.sale_id, first.market_code, first.sku, first.quantity) == (
        "sale_band",
        "IN",
        SKU,
        1,
    )
    assert first.at == PAID_AT
    rest = await store.paid_and_cancelled(page.entries[0].cursor, 10)
    assert [e.order_id for e in rest.entries] == ["ord_b", "ord_c"]
    assert (await store.paid_and_cancelled(page.next_cursor, 10)).entries == []


async def test_a_batch_is_written_whole_with_its_events_and_the_cursor(store: Store) -> None:
    await stocked(store)
    await paid_orders(store, ["ord_a", "ord_b"])
    to = EventCursor(0, 99)
    assert await store.write_allocation(
        "allocator:IN", None, to, plan_for(["ord_a", "ord_b"]), "b1"
    )
    assert await store.allocator_cursor("allocator:IN") == to
    parts = await store.fulfilment_orders_of(["ord_a", "ord_b"])
    assert [(p.source_id, p.status, p.location) for p in parts] == [
        ("ord_a", FulfilmentStatus.ALLOCATED, "DC-BLR"),
        ("ord_b", FulfilmentStatus.ALLOCATED, "DC-BLR"),
    ]
    (level,) = await store.stock_levels("DC-BLR")
    assert (level.on_hand, level.allocated) == (10, 2)
    assert await store.open_allocations() == {("DC-BLR", SKU): 2}
    (move,) = [m for m in await store.moves("DC-BLR") if m.kind is MoveKind.ALLOCATE]
    assert (move.allocated_change, move.reference) == (2, "b1")
    events = [e for e in await store.events_of_order("ord_a") if e.kind is OrderEventKind.ALLOCATED]
    assert [dict(e.data) for e in events] == [
        {"fulfilment_order_id": parts[0].id, "location": "DC-BLR", "quantity": 1}
    ]


async def test_a_moved_cursor_or_a_replay_writes_nothing(store: Store) -> None:
    await stocked(store)
    await paid_orders(store, ["ord_a"])
    one, two = EventCursor(0, 1), EventCursor(0, 2)
    assert await store.write_allocation("allocator:IN", None, one, plan_for(["ord_a"]), "b1")
    # Another allocator that read the same page: its compare-and-set fails.
    assert not await store.write_allocation("allocator:IN", None, two, plan_for(["ord_a"]), "b2")
    # The same orders past the cursor's guard: the source's key refuses the batch whole.
    with pytest.raises(AlreadyPlaced):
        await store.write_allocation("allocator:IN", one, two, plan_for(["ord_a"]), "b3")
    assert await store.allocator_cursor("allocator:IN") == one
    assert len(await store.fulfilment_orders_of(["ord_a"])) == 1
    (level,) = await store.stock_levels("DC-BLR")
    assert level.allocated == 1


async def test_a_guard_short_of_stock_rolls_the_batch_back(store: Store) -> None:
    await stocked(store, units=2)
    await paid_orders(store, ["ord_a", "ord_b", "ord_c"])
    with pytest.raises(StaleSnapshot):
        await store.write_allocation(
            "allocator:IN", None, EventCursor(0, 5), plan_for(["ord_a", "ord_b", "ord_c"]), "b1"
        )
    assert await store.allocator_cursor("allocator:IN") is None
    assert await store.fulfilment_orders_of(["ord_a"]) == []
    (level,) = await store.stock_levels("DC-BLR")
    assert level.allocated == 0
    assert not [m for m in await store.moves("DC-BLR") if m.kind is MoveKind.ALLOCATE]


async def test_a_waiting_order_cancelled_is_cancelled_where_it_waited(
    store: Store, shop: Shop
) -> None:
    await stocked(store, units=0)
    await paid_orders(store, ["ord_a"])
    await feed_caught_up(store)
    await shop.fulfilment.allocators.allocate_now("IN")
    assert await store.cancel_paid_order("ord_a", PAID_AT, "customer:1", _refund("ord_a"))
    await feed_caught_up(store)
    done = await shop.fulfilment.allocators.allocate_now("IN")
    assert done.cancelled == 1
    (cancelled,) = await store.fulfilment_orders_of(["ord_a"])
    assert (cancelled.status, cancelled.location) == (FulfilmentStatus.CANCELLED, None)


async def test_the_allocator_places_cancels_and_retries_on_every_record(
    store: Store, shop: Shop
) -> None:
    await stocked(store, units=3)
    await paid_orders(store, ["ord_a", "ord_b"])
    await paid_orders(store, ["ord_c"], region=False)
    await feed_caught_up(store)
    allocators = shop.fulfilment.allocators
    await allocators.allocate_now("IN")
    found = {p.source_id: p for p in await store.fulfilment_orders_of(["ord_a", "ord_b", "ord_c"])}
    assert {k: p.location for k, p in found.items()} == {
        "ord_a": "DC-BLR",
        "ord_b": "DC-BLR",
        "ord_c": "DC-BLR",
    }
    await paid_orders(store, ["ord_d"])
    await feed_caught_up(store)
    await allocators.allocate_now("IN")
    (waiting,) = await store.fulfilment_orders_of(["ord_d"])
    assert waiting.status is FulfilmentStatus.UNALLOCATED and "no location has 1" in waiting.reason
    # A cancel of an allocated order releases its unit, which the waiting order then takes.
    await shop.fulfilment.orders.check_cancellable("ord_a")  # only allocated: let through
    assert await store.cancel_paid_order("ord_a", PAID_AT, "customer:1", _refund("ord_a"))
    await feed_caught_up(store)
    await allocators.allocate_now("IN")
    (placed,) = await store.fulfilment_orders_of(["ord_d"])
    assert (placed.status, placed.location) == (FulfilmentStatus.ALLOCATED, "DC-BLR")
    (cancelled,) = await store.fulfilment_orders_of(["ord_a"])
    assert cancelled.status is FulfilmentStatus.CANCELLED
    audit = await shop.fulfilment.audit.audit()
    assert audit.clean, [d.describe() for d in audit.discrepancies]


def _refund(order_id: str) -> Refund:
    return Refund(
        id=f"ref_{order_id}",
        order_id=order_id,
        amount=BAND_PRICE,
        reason="cancelled",
        status=RefundStatus.PENDING,
        requested_by="customer:1",
        idempotency_key=f"cancel:{order_id}",
        created_at=PAID_AT,
    )
