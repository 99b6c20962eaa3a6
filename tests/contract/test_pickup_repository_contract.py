"""``PickupRepository`` (click & collect's shelf), alike on memory, SQLite and PostgreSQL: one
pickup per order, a code unique among a store's ready pickups only, closed once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flashsale.record.store import Store
from flashsale.stores.domain.pickup import Pickup, PickupStatus
from tests.contract.record_world import T0, order, world
from tests.contract.test_store_repository import BLR as MH_BLR
from tests.contract.test_store_repository import PROFILE

DUE = T0 + timedelta(days=7)


def pickup(order_id: str, code: str, due: timedelta = timedelta(days=7)) -> Pickup:
    return Pickup(order_id, "MH-BLR", f"fo_{order_id}", code, PickupStatus.READY, T0, T0 + due)


async def shelf(store: Store, orders: int = 3) -> None:
    await world(store, customers=orders)
    await store.store_add(MH_BLR, PROFILE, [])
    await store.insert_orders([order(f"ord_{n}", n) for n in range(1, orders + 1)])


async def test_a_pickup_is_stored_once_and_found_by_order_and_open_code(store: Store) -> None:
    await shelf(store)
    first = replace(pickup("ord_1", "042137"), clerk="stf_1")
    assert await store.pickup_add(first)
    assert await store.pickup_of_order("ord_1") == first
    assert await store.pickup_by_code("MH-BLR", "042137") == first
    assert await store.pickup_by_code("MH-BLR", "042138") is None
    assert await store.pickup_by_code("MH-KOR", "042137") is None
    assert not await store.pickup_add(replace(first, code="000001"))  # the order has one
    assert not await store.pickup_add(pickup("ord_2", "042137"))  # the code is open here
    assert await store.pickup_of_order("ord_2") is None


async def test_closing_moves_a_ready_pickup_once_and_frees_its_code(store: Store) -> None:
    await shelf(store)
    assert await store.pickup_add(pickup("ord_1", "123456"))
    closed = await store.pickup_close("ord_1", PickupStatus.COLLECTED, T0, "stf_2")
    assert closed is not None
    assert (closed.status, closed.closed_at, closed.clerk) == (PickupStatus.COLLECTED, T0, "stf_2")
    assert await store.pickup_close("ord_1", PickupStatus.EXPIRED, T0, None) is None
    assert await store.pickup_of_order("ord_1") == closed
    assert await store.pickup_by_code("MH-BLR", "123456") is None
    assert await store.pickup_add(pickup("ord_2", "123456"))  # a closed pickup's code is free


async def test_due_pickups_are_the_ready_ones_soonest_first(store: Store) -> None:
    await shelf(store)
    assert await store.pickup_add(pickup("ord_1", "000001", timedelta(days=2)))
    assert await store.pickup_add(pickup("ord_2", "000002", timedelta(days=1)))
    assert await store.pickup_add(pickup("ord_3", "000003", timedelta(days=9)))
    at = T0 + timedelta(days=3)
    assert [p.order_id for p in await store.pickups_due(at, 10)] == ["ord_2", "ord_1"]
    assert [p.order_id for p in await store.pickups_due(at, 1)] == ["ord_2"]
    await store.pickup_close("ord_2", PickupStatus.EXPIRED, at, None)
    assert [p.order_id for p in await store.pickups_due(at, 10)] == ["ord_1"]
    assert await store.pickups_due(T0, 10) == []
