"""``OrderDeliveries`` (click & collect's choice), alike on memory, SQLite and PostgreSQL: stored
with its ``order.delivery_set`` event while the order is reserved, refused after."""

from __future__ import annotations

from datetime import timedelta

from flashsale.orders.domain.delivery import SHIP, Delivery, DeliveryMethod
from flashsale.orders.domain.events import OrderEventKind
from flashsale.orders.domain.order import OrderStatus
from flashsale.record.store import Store
from tests.contract.record_world import T0, order, payment_for, world
from tests.contract.test_order_event_feed_contract import everything

BLR = Delivery(DeliveryMethod.PICKUP, "MH-BLR")


async def test_a_reserved_order_takes_a_delivery_choice_with_its_event(store: Store) -> None:
    await world(store)
    await store.insert_orders([order("ord_1", 1)])
    assert await store.delivery_of("ord_1") is None
    assert await store.set_delivery("ord_1", BLR, T0)
    assert await store.delivery_of("ord_1") == BLR
    assert await store.set_delivery("ord_1", SHIP, T0 + timedelta(seconds=1))
    assert await store.delivery_of("ord_1") == SHIP
    events = [e for e in await everything(store) if e.kind is OrderEventKind.DELIVERY_SET]
    assert [(e.actor, dict(e.data)) for e in events] == [
        ("customer:cus_1", {"method": "pickup", "store": "MH-BLR"}),
        ("customer:cus_1", {"method": "ship", "store": None}),
    ]


async def test_no_choice_for_a_missing_paid_or_closed_order_and_nothing_written(
    store: Store,
) -> None:
    await world(store)
    paid, closed = order("ord_paid", 1), order("ord_closed", 2)
    await store.insert_orders([paid, closed])
    assert await store.mark_paid([payment_for(paid, T0)])
    await store.close_orders(["ord_closed"], OrderStatus.CANCELLED, T0)
    before = len(await everything(store))
    assert not await store.set_delivery("ord_paid", BLR, T0)
    assert not await store.set_delivery("ord_closed", BLR, T0)
    assert not await store.set_delivery("ord_none", BLR, T0)
    assert await store.delivery_of("ord_paid") is None
    assert await store.delivery_of("ord_closed") is None
    assert len(await everything(store)) == before
