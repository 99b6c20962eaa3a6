"""Packing, shipping and delivery on the memory record: the ledger's ship move, the events,
all-or-nothing bulk shipments, the sandbox carrier's clock."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.fulfilment.domain.shipments import (
    ShipmentRequest,
    parse_shipments_csv,
    sandbox_due,
)
from flashsale.fulfilment.errors import InvalidTransition
from flashsale.fulfilment.ops_errors import BadShipmentRows
from flashsale.inventory.domain.stock import MoveKind
from flashsale.orders.domain.events import OrderEventKind
from tests.unit.fulfilment.conftest import BLR, Warehouse
from tests.unit.fulfilment.test_shipping_helpers import fulfilment_order
from tests.unit.fulfilment.test_waves import allocated_orders
from tests.unit.order_mail.test_order_mail import order_mail_of, outbox


def test_the_csv_is_read_with_its_line_numbers_and_refused_whole() -> None:
    rows = parse_shipments_csv("fulfilment_order,carrier,tracking\nfo_1,SF,SF1\n\nfo_2,sandbox,\n")
    assert rows == [
        (2, ShipmentRequest("fo_1", "SF", "SF1")),
        (4, ShipmentRequest("fo_2", "sandbox")),
    ]
    with pytest.raises(
        BadShipmentRows, match=r"line 2: 3 fields expected.*line 3: fo_1 is on line 1"
    ):
        parse_shipments_csv("fo_1,SF,SF1\nfo_2,SF\nfo_1,SF,SF2\n")
    with pytest.raises(BadShipmentRows, match="line 1: tracking"):
        parse_shipments_csv("fo_1,SF,not a tracking number\n")


@pytest.mark.parametrize(
    ("paid", "shipped", "region", "due"),
    [
        # Asia/Kolkata is UTC+5:30; the cutoff is 17:00 local (11:30 UTC).
        ("2026-07-01T05:00", "2026-07-01T08:00", "IN-KA", "2026-07-01T10:00"),  # same day
        ("2026-07-01T12:00", "2026-07-01T12:30", "IN-KA", "2026-07-02T06:30"),  # after cutoff
        ("2026-07-01T05:00", "2026-07-01T08:00", "IN-DL", "2026-07-03T06:30"),  # rank 2
        ("2026-07-01T05:00", "2026-07-01T08:00", "IN-GA", "2026-07-04T06:30"),  # unranked
    ],
)
def test_the_sandbox_carrier_delivers_by_rank_and_cutoff(
    paid: str, shipped: str, region: str, due: str
) -> None:
    fo = fulfilment_order(datetime.fromisoformat(paid).replace(tzinfo=UTC), region)
    at = datetime.fromisoformat(shipped).replace(tzinfo=UTC)
    assert BLR.cutoff == time(17, 0)
    assert sandbox_due(fo, BLR, at) == datetime.fromisoformat(due).replace(tzinfo=UTC)


async def test_a_wave_ships_in_bulk_and_the_carrier_delivers_on_the_clock(
    warehouse: Warehouse,
) -> None:
    orders = await allocated_orders(warehouse, 2)
    ops = warehouse.shop.fulfilment_ops
    wave = await ops.waves.cut("DC-BLR", None, "staff:1")
    ids = [fo.id for fo in wave.orders]
    bad = [(1, ShipmentRequest(ids[0], "SF")), (2, ShipmentRequest("fo_other", "SF"))]
    with pytest.raises(BadShipmentRows, match="line 2: fo_other is not in wave"):
        await ops.shipping.ship_wave(wave.id, bad, "staff:1")
    assert await warehouse.where(orders[0]) == [("DC-BLR", "picking", 1)]  # nothing applied
    requests = [(n + 1, ShipmentRequest(i, "sandbox")) for n, i in enumerate(ids)]
    shipped = await ops.shipping.ship_wave(wave.id, requests, "staff:1")
    assert [x.tracking_number[:4] for x in shipped] == ["SBX-", "SBX-"]
    (level,) = await warehouse.f.stock.levels("DC-BLR")
    assert (level.on_hand, level.allocated) == (18, 0)
    (move, *_) = await warehouse.f.stock.moves("DC-BLR")
    assert (move.kind, move.on_hand_change, move.reference) == (
        MoveKind.SHIP,
        -2,
        f"wave {wave.id}",
    )
    history = await warehouse.shop.order_events.history(orders[0].id)
    (event,) = [e for e in history if e.kind is OrderEventKind.SHIPPED]
    assert event.data == {
        "fulfilment_order_id": ids[0],
        "location": "DC-BLR",
        "quantity": 1,
        "carrier": "sandbox",
        "tracking_number": shipped[0].tracking_number,
    }
    with pytest.raises(BadShipmentRows, match=r"line 1: .* is shipped"):
        await ops.shipping.ship_wave(wave.id, requests[:1], "staff:1")
    assert await ops.shipping.deliver_due() == 0
    warehouse.world.clock.set(max(x.due_at for x in shipped))
    assert await ops.shipping.deliver_due() == 2
    assert await ops.shipping.deliver_due() == 0
    assert await warehouse.where(orders[1]) == [("DC-BLR", "delivered", 1)]
    (parcel,) = await ops.shipping.of_order(orders[1].id)
    assert parcel.delivered_at == warehouse.world.clock.now()
    history = await warehouse.shop.order_events.history(orders[1].id)
    assert [e.kind for e in history if e.kind is OrderEventKind.DELIVERED] == [
        OrderEventKind.DELIVERED
    ]
    await warehouse.assert_audit_clean()


async def test_one_order_is_packed_then_shipped_then_delivered(warehouse: Warehouse) -> None:
    (order,) = await allocated_orders(warehouse, 1)
    ops = warehouse.shop.fulfilment_ops
    (fo,) = (await ops.waves.cut("DC-BLR", None, "staff:1")).orders
    with pytest.raises(InvalidTransition, match="is picking"):
        await ops.shipping.ship(fo.id, "SF", "SF123", "staff:1")
    with pytest.raises(InvalidTransition, match="is picking"):
        await ops.shipping.deliver(fo.id, "staff:1")
    assert (await ops.shipping.pack(fo.id)).status is FulfilmentStatus.PACKED
    with pytest.raises(InvalidTransition, match="is packed"):
        await ops.shipping.pack(fo.id)
    shipment = await ops.shipping.ship(fo.id, "SF", "SF123", "staff:1")
    assert (shipment.carrier, shipment.tracking_number) == ("SF", "SF123")
    delivered = await ops.shipping.deliver(fo.id, "staff:1")
    assert delivered.delivered_at is not None
    with pytest.raises(InvalidTransition, match="is delivered"):
        await ops.shipping.deliver(fo.id, "staff:1")
    assert await warehouse.where(order) == [("DC-BLR", "delivered", 1)]
    await warehouse.assert_audit_clean()


async def test_shipped_and_delivered_are_mailed_to_the_fan(warehouse: Warehouse) -> None:
    mail = order_mail_of(warehouse.world)
    await mail.begin()
    (order,) = await allocated_orders(warehouse, 1)
    ops = warehouse.shop.fulfilment_ops
    (fo,) = (await ops.waves.cut("DC-BLR", None, "staff:1")).orders
    wave_id = await warehouse.shop.store.wave_of(fo.id)
    assert wave_id is not None
    (shipped,) = await ops.shipping.ship_wave(
        wave_id, [(1, ShipmentRequest(fo.id, "SF", "SF9"))], "staff:1"
    )
    await ops.shipping.deliver(fo.id, "staff:1")
    await mail.step()
    sent = {m.template: m for m in await outbox(warehouse.world)}
    assert {"order_shipped", "order_delivered"} <= sent.keys()
    assert "SF9" in sent["order_shipped"].mail.text and order.id in sent["order_shipped"].mail.text
    assert f"https://shop.example/orders/{order.id}" in sent["order_delivered"].mail.text
    assert shipped.tracking_number == "SF9"
