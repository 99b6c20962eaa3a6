"""Stores' shelves in allocation, alike on memory, SQLite and PostgreSQL (issue 19): a store
with ``ships_online`` ships a home delivery no DC can, one without never does; a pickup its
store cannot serve goes by transfer from a DC where the store allows it: picking at the DC, then
received at the store (``transfer_out`` and ``transfer_in`` together), only then ready and
collected; the stock audit is clean at every step."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from flashsale.bootstrap import Shop, build_shop
from flashsale.fulfilment.domain.order import FulfilmentStatus, SourceKind
from flashsale.inventory.domain.doors import Door
from flashsale.inventory.domain.stock import MoveKind, StockChange
from flashsale.kernel.clock import ManualClock
from flashsale.kernel.errors import NotFound
from flashsale.orders.errors import OrderInFulfilment
from flashsale.record.store import Store
from flashsale.stores.pickup_errors import PickupNotAllocated
from tests.conftest import fast_settings
from tests.contract.record_world import T0, feed_caught_up, order, payment_for
from tests.contract.test_fulfilment_pickup_contract import PICKUP
from tests.contract.test_fulfilment_repository_contract import HOME, PAID_AT, stocked
from tests.contract.test_inventory_repository_contract import SKU
from tests.contract.test_store_repository import BLR as MH_BLR
from tests.contract.test_store_repository import PROFILE


@pytest.fixture
async def shop(store: Store) -> AsyncIterator[Shop]:
    built = await build_shop(fast_settings(), clock=ManualClock(PAID_AT), store=store)
    yield built
    await built.stop()


async def opened(
    store: Store, dc: int, shelf: int, ships_online: bool = False, by_transfer: bool = False
) -> None:
    await stocked(store, units=dc)
    profile = replace(PROFILE, ships_online=ships_online, pickup_by_transfer=by_transfer)
    await store.store_add(MH_BLR, profile, [])
    if shelf:
        receipt = StockChange("MH-BLR", SKU, MoveKind.RECEIPT, shelf, "PO-2", "staff:1", T0)
        await store.record_changes([receipt])


async def paid(store: Store, order_id: str, quantity: int, pickup: bool) -> None:
    placed = order(order_id, int(order_id[-1], 16), quantity=quantity, key=order_id)
    await store.insert_orders([placed])
    assert await store.set_shipping_address(order_id, HOME, T0)
    if pickup:
        assert await store.set_delivery(order_id, PICKUP, T0)
    await store.mark_paid([payment_for(placed, PAID_AT)])


async def clean(shop: Shop) -> None:
    audit = await shop.fulfilment.audit.audit()
    assert audit.clean, [d.describe() for d in audit.discrepancies]


async def levels(store: Store) -> dict[str, tuple[int, int]]:
    return {lv.location: (lv.on_hand, lv.allocated) for lv in await store.stock_levels(sku=SKU)}


@pytest.mark.parametrize("ships_online", [True, False])
async def test_a_store_ships_a_home_delivery_only_when_it_ships_online(
    store: Store, shop: Shop, ships_online: bool
) -> None:
    await opened(store, dc=1, shelf=3, ships_online=ships_online)
    await paid(store, "ord_a", 1, pickup=False)  # the DC has it: the DC ships it
    await paid(store, "ord_b", 2, pickup=False)  # no DC has 2 more
    await feed_caught_up(store)
    await shop.fulfilment.allocators.allocate_now("IN")
    found = {fo.source_id: fo for fo in await store.fulfilment_orders_of(["ord_a", "ord_b"])}
    assert found["ord_a"].location == "DC-BLR"
    if ships_online:
        assert (found["ord_b"].status, found["ord_b"].location) == (
            FulfilmentStatus.ALLOCATED,
            "MH-BLR",
        )
        assert (await levels(store))["MH-BLR"] == (3, 2)
    else:
        assert found["ord_b"].status is FulfilmentStatus.UNALLOCATED
        assert (await levels(store))["MH-BLR"] == (3, 0)
    await clean(shop)


async def test_a_pickup_by_transfer_is_received_then_readied_and_collected(
    store: Store, shop: Shop
) -> None:
    await opened(store, dc=5, shelf=1, by_transfer=True)
    listed = await shop.pickup.stores_for("IN", SKU, 2)
    assert [(s.store.code, s.by_transfer, s.free) for s in listed] == [("MH-BLR", True, 1)]
    assert listed[0].ready_from is not None and listed[0].ready_from > PAID_AT.date()
    await paid(store, "ord_a", 2, pickup=True)
    await feed_caught_up(store)
    await shop.fulfilment.allocators.allocate_now("IN")
    (sent,) = await store.fulfilment_orders_of(["ord_a"])
    assert (sent.source_kind, sent.status, sent.location) == (
        SourceKind.PICKUP,
        FulfilmentStatus.PICKING,
        "DC-BLR",
    )
    assert await levels(store) == {"DC-BLR": (5, 2), "MH-BLR": (1, 0)}
    await clean(shop)
    # On its way: not cancellable, not ready, listed at the store.
    with pytest.raises(OrderInFulfilment):
        await shop.fulfilment.orders.check_cancellable("ord_a")
    with pytest.raises(PickupNotAllocated, match="on its way"):
        await shop.pickups.ready("MH-BLR", "stf_1", "ord_a")
    transfers = shop.pickups.transfers
    assert [fo.id for fo in await transfers.pending("MH-BLR")] == [sent.id]
    with pytest.raises(NotFound):
        await transfers.receive("MH-KOR", "stf_1", "ord_a")
    # Two clerks receive the same parcel at once: it is received once.
    outcomes = await asyncio.gather(
        transfers.receive("MH-BLR", "stf_1", "ord_a"),
        transfers.receive("MH-BLR", "stf_2", "ord_a"),
    )
    assert {(fo.id, fo.status, fo.location) for fo in outcomes} == {
        (sent.id, FulfilmentStatus.ALLOCATED, "MH-BLR")
    }
    assert await transfers.pending("MH-BLR") == []
    assert await levels(store) == {"DC-BLR": (3, 0), "MH-BLR": (3, 2)}
    moved = [
        (m.location, m.kind, m.on_hand_change, m.allocated_change)
        for where in ("DC-BLR", "MH-BLR")
        for m in await store.moves(where, SKU)
        if m.kind in (MoveKind.TRANSFER_OUT, MoveKind.TRANSFER_IN)
    ]
    assert sorted(moved) == [
        ("DC-BLR", MoveKind.TRANSFER_OUT, -2, -2),
        ("MH-BLR", MoveKind.TRANSFER_IN, 2, 2),
    ]
    await clean(shop)
    ready = await shop.pickups.ready("MH-BLR", "stf_1", "ord_a")
    await shop.pickups.collect("MH-BLR", "stf_1", ready.code)
    (done,) = await store.fulfilment_orders_of(["ord_a"])
    assert (done.status, done.location) == (FulfilmentStatus.DELIVERED, "MH-BLR")
    assert await levels(store) == {"DC-BLR": (3, 0), "MH-BLR": (1, 0)}
    audit = await shop.fulfilment.audit.audit(sku=SKU)
    assert audit.clean, [d.describe() for d in audit.discrepancies]
    (stock,) = audit.stock
    assert {d.door: d.shipped for d in stock.doors} == {Door.CLICK_AND_COLLECT: 2}


async def test_a_waiting_pickup_goes_by_transfer_once_a_dc_has_it(store: Store, shop: Shop) -> None:
    await opened(store, dc=0, shelf=0, by_transfer=True)
    await paid(store, "ord_a", 1, pickup=True)
    await feed_caught_up(store)
    allocators = shop.fulfilment.allocators
    await allocators.allocate_now("IN")
    (waiting,) = await store.fulfilment_orders_of(["ord_a"])
    assert waiting.status is FulfilmentStatus.UNALLOCATED
    assert "nor has any distribution centre" in waiting.reason
    receipt = StockChange("DC-BLR", SKU, MoveKind.RECEIPT, 1, "PO-3", "staff:1", T0)
    await store.record_changes([receipt])
    await allocators.allocate_now("IN")
    found = {fo.id: fo for fo in await store.fulfilment_orders_of(["ord_a"])}
    closed = found.pop(waiting.id)
    (sent,) = found.values()
    assert closed.status is FulfilmentStatus.CANCELLED and sent.id in closed.reason
    assert (sent.source_kind, sent.status, sent.location) == (
        SourceKind.PICKUP,
        FulfilmentStatus.PICKING,
        "DC-BLR",
    )
    await clean(shop)
    received = await shop.pickups.transfers.receive("MH-BLR", "stf_1", "ord_a")
    assert received.location == "MH-BLR"
    await clean(shop)


async def test_a_store_without_transfers_keeps_its_pickup_waiting(store: Store, shop: Shop) -> None:
    await opened(store, dc=5, shelf=0, by_transfer=False)
    assert await shop.pickup.stores_for("IN", SKU, 1) == []
    await paid(store, "ord_a", 1, pickup=True)
    await feed_caught_up(store)
    await shop.fulfilment.allocators.allocate_now("IN")
    (waiting,) = await store.fulfilment_orders_of(["ord_a"])
    assert (waiting.status, waiting.source_kind) == (FulfilmentStatus.UNALLOCATED, SourceKind.ORDER)
    with pytest.raises(NotFound):
        await shop.pickups.transfers.receive("MH-BLR", "stf_1", "ord_a")
    await clean(shop)
