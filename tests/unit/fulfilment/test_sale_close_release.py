"""A sale closed early gives its allotments back as a sale closed on schedule does: once its
payment window has passed after the close, not before, and not at the close it was planned."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.conftest import CLOSES, OPENS, PAYMENT_WINDOW
from tests.unit.fulfilment.conftest import Warehouse


async def test_an_early_close_releases_the_unsold_allotment_after_the_payment_window(
    warehouse: Warehouse,
) -> None:
    await warehouse.receive("DC-BLR", 30)
    await warehouse.receive("DC-GGN", 10)
    await warehouse.paid_order("IN-KA", 2)
    await warehouse.allocate()
    (level,) = await warehouse.f.stock.levels("DC-BLR")
    assert level.committed == 6  # the sale's allotment, less the two units drawn

    closed_at = OPENS + timedelta(minutes=1)
    warehouse.world.at(closed_at)
    await warehouse.shop.sales.close(warehouse.world.sale.id)
    warehouse.world.at(closed_at + PAYMENT_WINDOW - timedelta(seconds=1))
    assert await warehouse.f.allocators.release_ended_sales() == 0  # reservations may still pay
    warehouse.world.at(closed_at + PAYMENT_WINDOW)
    assert closed_at + PAYMENT_WINDOW < CLOSES  # long before the planned close
    assert await warehouse.f.allocators.release_ended_sales() == 1
    (level,) = await warehouse.f.stock.levels("DC-BLR")
    assert (level.on_hand, level.allocated, level.committed) == (30, 2, 0)
    await warehouse.assert_audit_clean()
