"""An allocation batch of many orders on every record: written in several statements on SQLite
(multi-row VALUES; a batch this big in the batch process, a small one on the writer's thread),
by COPY on PostgreSQL, and still whole or not at all: a batch one of whose orders is placed
already stores none of them."""

from __future__ import annotations

import pytest

from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.fulfilment.ports import AlreadyPlaced
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.orders.domain.events import EventCursor, OrderEventKind
from flashsale.record.store import Store
from tests.contract.record_world import T0, order, payment_for, world
from tests.contract.test_fulfilment_repository_contract import HOME, PAID_AT, plan_for
from tests.contract.test_inventory_repository_contract import BLR, SKU

ORDERS = 437  # more than two statements' worth of rows on SQLite, and a remainder
IDS = [f"ord_{n:04d}" for n in range(ORDERS)]


@pytest.fixture
def store(store: Store) -> Store:
    """The record, with SQLite's batch process taking this file's batches of ``ORDERS``."""
    if hasattr(store, "batch_process_rows"):
        store.batch_process_rows = ORDERS // 2
    return store


def batch_process_started(store: Store) -> bool | None:
    """Whether SQLite's batch process runs (None: a record without one)."""
    process = getattr(store, "_batch_process", None)
    return None if process is None else process._pool is not None


async def stocked_and_paid(store: Store) -> None:
    """A customer per order (one live order each), a unit more than they take at BLR, every
    order paid."""
    await world(store, customers=ORDERS)
    await store.add_location(BLR)
    receipt = StockChange("DC-BLR", SKU, MoveKind.RECEIPT, ORDERS + 1, "PO-1", "staff:1", T0)
    await store.record_changes([receipt])
    orders = [order(i, n + 1, key=i) for n, i in enumerate(IDS)]
    await store.insert_orders(orders)
    for o in orders:
        assert await store.set_shipping_address(o.id, HOME, T0)
    await store.mark_paid([payment_for(o, PAID_AT) for o in orders])


async def test_a_large_batch_is_written_whole_with_an_event_per_order(store: Store) -> None:
    await stocked_and_paid(store)
    ids = IDS
    assert await store.write_allocation("allocator:IN", None, EventCursor(0, 1), plan_for(ids), "b")
    assert batch_process_started(store) in (None, True)
    parts = await store.fulfilment_orders_of(ids)
    assert [p.source_id for p in parts] == ids
    assert {(p.status, p.location, p.quantity, p.paid_at) for p in parts} == {
        (FulfilmentStatus.ALLOCATED, "DC-BLR", 1, PAID_AT)
    }
    (level,) = await store.stock_levels("DC-BLR")
    assert (level.on_hand, level.allocated) == (ORDERS + 1, ORDERS)
    for i, part in [(0, parts[0]), (ORDERS - 1, parts[-1])]:
        events = await store.events_of_order(ids[i])
        (allocated,) = [e for e in events if e.kind is OrderEventKind.ALLOCATED]
        assert dict(allocated.data) == {
            "fulfilment_order_id": part.id,
            "location": "DC-BLR",
            "quantity": 1,
        }


async def test_a_large_batch_with_one_order_placed_already_stores_none(store: Store) -> None:
    await stocked_and_paid(store)
    ids = IDS
    last = EventCursor(0, 1)
    assert await store.write_allocation("allocator:IN", None, last, plan_for(ids[-1:]), "b1")
    assert batch_process_started(store) in (None, False)  # one order: the writer's thread
    with pytest.raises(AlreadyPlaced):  # raised in the batch process, rolled back there
        await store.write_allocation("allocator:IN", last, EventCursor(0, 2), plan_for(ids), "b2")
    assert await store.allocator_cursor("allocator:IN") == last
    assert [p.source_id for p in await store.fulfilment_orders_of(ids)] == ids[-1:]
    (level,) = await store.stock_levels("DC-BLR")
    assert level.allocated == 1
    allocations = [m for m in await store.moves("DC-BLR") if m.kind is MoveKind.ALLOCATE]
    assert [m.allocated_change for m in allocations] == [1]
    events = await store.events_of_order(ids[0])
    assert not [e for e in events if e.kind is OrderEventKind.ALLOCATED]
