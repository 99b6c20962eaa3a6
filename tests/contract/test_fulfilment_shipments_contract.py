"""The ShipmentRepository contract (memory, SQLite, PostgreSQL): a shipment moves its
fulfilment order, the level and the ledger and appends ``order.shipped`` in one write, or
nothing at all; deliveries are recorded once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus
from flashsale.fulfilment.domain.shipments import Shipment
from flashsale.fulfilment.errors import InvalidTransition
from flashsale.inventory.domain.stock import MoveKind
from flashsale.kernel.errors import NotFound
from flashsale.orders.domain.events import OrderEventKind
from flashsale.record.store import Store
from tests.contract.test_fulfilment_waves_contract import AT, allocated

S = FulfilmentStatus
BULK = frozenset({S.PICKING, S.PACKED})


def parcel(fo: FulfilmentOrder, hours: int = 2) -> Shipment:
    assert fo.location is not None
    return Shipment(
        fo.id, fo.source_id, fo.location, fo.sku, fo.quantity, "sandbox", f"SBX-{fo.id}", AT,
        AT + timedelta(hours=hours),
    )  # fmt: skip


async def picked(store: Store) -> list[FulfilmentOrder]:
    await allocated(store, ["ord_a", "ord_b", "ord_c"])
    wave = await store.cut_wave("wav_1", "DC-BLR", 100, 2, AT, "staff:1")
    assert wave is not None
    return list(wave.orders)


async def test_a_shipment_moves_the_order_the_level_the_ledger_and_the_feed(store: Store) -> None:
    fos = await picked(store)
    shipped = await store.ship([parcel(fo) for fo in fos], BULK, "wave wav_1", "staff:1")
    assert [fo.status for fo in shipped] == [S.SHIPPED, S.SHIPPED]
    (level,) = await store.stock_levels("DC-BLR")
    units = sum(fo.quantity for fo in fos)
    allocated_before = sum(fo.quantity for fo in await store.fulfilment_orders(S.ALLOCATED))
    assert (level.on_hand, level.allocated) == (20 - units, allocated_before)
    (move,) = [m for m in await store.moves("DC-BLR") if m.kind is MoveKind.SHIP]
    assert (move.on_hand_change, move.allocated_change, move.reference) == (
        -units,
        -units,
        "wave wav_1",
    )
    events = await store.events_of_order(fos[0].source_id)
    (event,) = [e for e in events if e.kind is OrderEventKind.SHIPPED]
    assert dict(event.data) == {
        "fulfilment_order_id": fos[0].id,
        "location": "DC-BLR",
        "quantity": fos[0].quantity,
        "carrier": "sandbox",
        "tracking_number": f"SBX-{fos[0].id}",
    }
    assert [x.fulfilment_order_id for x in await store.shipments_of([fos[0].source_id])] == [
        fos[0].id
    ]
    assert await store.shipments_due(AT + timedelta(hours=1), 10) == []
    due = await store.shipments_due(AT + timedelta(hours=2), 10)
    assert {x.fulfilment_order_id for x in due} == {fo.id for fo in fos}
    later = AT + timedelta(hours=3)
    delivered = await store.deliver([fos[0].id, fos[0].id], later, "carrier:sandbox")
    assert [(x.fulfilment_order_id, x.delivered_at) for x in delivered] == [(fos[0].id, later)]
    assert await store.deliver([fos[0].id], later, "carrier:sandbox") == []  # once
    assert (await store.fulfilment_order(fos[0].id)).status is S.DELIVERED  # type: ignore[union-attr]
    kinds = [e.kind for e in await store.events_of_order(fos[0].source_id)]
    assert kinds.count(OrderEventKind.DELIVERED) == 1
    assert len(await store.shipments_due(later, 10)) == 1


async def test_one_bad_shipment_writes_nothing(store: Store) -> None:
    fos = await picked(store)
    (allocated_only,) = await store.fulfilment_orders(S.ALLOCATED)
    before = await store.stock_levels("DC-BLR")
    with pytest.raises(InvalidTransition, match="is allocated"):
        await store.ship([parcel(fos[0]), parcel(allocated_only)], BULK, "w", "staff:1")
    with pytest.raises(NotFound):
        await store.ship(
            [parcel(fos[0]), replace(parcel(fos[1]), fulfilment_order_id="fo_nope")], BULK, "w", "x"
        )
    assert await store.stock_levels("DC-BLR") == before
    assert (await store.fulfilment_order(fos[0].id)).status is S.PICKING  # type: ignore[union-attr]
    assert await store.shipments_of([fo.source_id for fo in fos]) == []
    assert [m for m in await store.moves("DC-BLR") if m.kind is MoveKind.SHIP] == []
