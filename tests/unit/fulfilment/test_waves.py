"""Waves on the memory record: paid-time order, the hour's capacity, SKU lines, the PDFs."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from pypdf import PdfReader

from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.fulfilment.domain.waves import pick_lines, wave_size
from flashsale.fulfilment.ops_errors import NothingToWave
from flashsale.fulfilment.service.wave_documents import barcode_text, fulfilment_order_of_barcode
from flashsale.kernel.errors import InvalidInput, NotFound
from flashsale.orders.adapters.sandbox_payments import CARD_SUCCEEDS
from flashsale.orders.domain.order import Order
from tests.unit.conftest import BAND_SKU, OPENS
from tests.unit.fulfilment.conftest import BLR, Warehouse, address


def pdf_text(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


async def allocated_orders(warehouse: Warehouse, n: int) -> list[Order]:
    await warehouse.receive("DC-BLR", 20)
    orders = []
    for n_th in range(n):
        world = warehouse.world
        buyer = await world.customer()
        world.at(OPENS + timedelta(seconds=n_th))
        order = (await warehouse.shop.purchasing.purchase(buyer, world.sale.id, 1)).order
        await warehouse.shop.shipping.set_address(buyer, order.id, address("IN-KA"))
        orders.append(await warehouse.shop.orders.pay(buyer, order.id, CARD_SUCCEEDS))
    await warehouse.allocate()
    return orders


@pytest.mark.parametrize(
    ("capacity", "waved", "asked", "size"),
    [(10, 0, None, 10), (10, 4, None, 6), (10, 12, None, 0), (10, 4, 3, 3), (10, 8, 5, 2)],
)
def test_a_wave_takes_what_the_hour_leaves(
    capacity: int, waved: int, asked: int | None, size: int
) -> None:
    assert wave_size(capacity, waved, asked) == size


def test_a_wave_size_out_of_bounds_is_refused() -> None:
    with pytest.raises(InvalidInput):
        wave_size(10, 0, 0)


async def test_a_wave_takes_the_oldest_paid_and_moves_them_to_picking(
    warehouse: Warehouse,
) -> None:
    orders = await allocated_orders(warehouse, 3)
    wave = await warehouse.shop.fulfilment_ops.waves.cut("dc-blr", 2, "staff:1")
    assert [fo.source_id for fo in wave.orders] == [o.id for o in orders[:2]]
    assert {fo.status for fo in wave.orders} == {FulfilmentStatus.PICKING}
    assert [(x.sku, x.quantity, x.orders) for x in wave.lines] == [(BAND_SKU, 2, 2)]
    assert await warehouse.where(orders[2]) == [("DC-BLR", "allocated", 1)]
    warehouse.world.clock.advance(60)
    again = await warehouse.shop.fulfilment_ops.waves.cut("DC-BLR", None, "staff:1")
    assert [fo.source_id for fo in again.orders] == [orders[2].id]
    with pytest.raises(NothingToWave):
        await warehouse.shop.fulfilment_ops.waves.cut("DC-BLR", None, "staff:1")
    assert await warehouse.shop.fulfilment_ops.waves.get(wave.id) == wave
    listed = await warehouse.shop.fulfilment_ops.waves.listed("DC-BLR")
    assert [w.id for w in listed] == [again.id, wave.id]
    await warehouse.assert_audit_clean()


async def test_the_hours_capacity_bounds_the_waves(warehouse: Warehouse) -> None:
    await warehouse.f.locations.replace(replace(BLR, capacity_per_hour=2))
    await allocated_orders(warehouse, 3)
    ops = warehouse.shop.fulfilment_ops
    assert len((await ops.waves.cut("DC-BLR", None, "staff:1")).orders) == 2
    with pytest.raises(NothingToWave, match="2 orders of its hour"):
        await ops.waves.cut("DC-BLR", None, "staff:1")
    warehouse.world.clock.advance(3601)
    assert len((await ops.waves.cut("DC-BLR", None, "staff:1")).orders) == 1


async def test_an_unknown_wave_or_location_is_not_found(warehouse: Warehouse) -> None:
    with pytest.raises(NotFound):
        await warehouse.shop.fulfilment_ops.waves.get("wav_nope")
    with pytest.raises(NotFound):
        await warehouse.shop.fulfilment_ops.waves.cut("DC-NOWHERE", None, "staff:1")


async def test_the_pick_list_and_packing_slips_say_what_and_where(warehouse: Warehouse) -> None:
    orders = await allocated_orders(warehouse, 2)
    ops = warehouse.shop.fulfilment_ops
    wave = await ops.waves.cut("DC-BLR", None, "staff:1")
    pick_list = pdf_text(await ops.waves.pick_list(wave.id))
    assert "Pick list - DC-BLR Bengaluru" in pick_list
    assert BAND_SKU in pick_list and wave.id in pick_list
    slips = PdfReader(io.BytesIO(await ops.waves.packing_slips(wave.id)))
    assert len(slips.pages) == 2
    first = slips.pages[0].extract_text()
    assert "1 MG Road" in first and "Karnātaka, India" in first  # every accent, in TrueType
    assert orders[0].id in first and barcode_text(wave.orders[0].id) in first


def test_the_barcode_text_reads_back_as_the_id() -> None:
    fo_id = "ful_0190abcdef0123456789abcdef012345"
    assert set(barcode_text(fo_id)) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%")
    assert fulfilment_order_of_barcode(barcode_text(fo_id)) == fo_id


def test_pick_lines_group_by_sku() -> None:
    assert pick_lines([]) == ()
