"""The allocator decides the page it read ahead while the batch before is written, from the
snapshot as that batch left it. What may have moved meanwhile must not slip through: stock
written off, a cancel of an order in the batch being written, another allocator taking the
page."""

from __future__ import annotations

import asyncio
import logging

import pytest

from flashsale.fulfilment.service.allocator import Allocator
from flashsale.inventory.domain.stock import MoveKind
from flashsale.orders.domain.order import Order
from tests.unit.conftest import BAND_SKU
from tests.unit.fulfilment.conftest import Warehouse


def allocator(warehouse: Warehouse, batch: int) -> Allocator:
    found = warehouse.f.allocators.of("IN")
    found._batch = batch
    return found


async def drain(allocator: Allocator) -> None:
    while (await allocator.step()).events:
        pass


async def test_stock_written_off_after_the_next_page_was_decided_is_not_promised(
    warehouse: Warehouse, caplog: pytest.LogCaptureFixture
) -> None:
    await warehouse.receive("DC-BLR", 3)
    await warehouse.receive("DC-GGN", 20)
    orders = [await warehouse.paid_order("IN-KA") for _ in range(4)]
    first = allocator(warehouse, 2)
    assert (await first.step()).allocated == 2  # and the next two decided: one still at BLR
    level = await warehouse.f.stock.level("DC-BLR", BAND_SKU)
    await warehouse.f.stock.move(
        "DC-BLR", BAND_SKU, MoveKind.WRITE_OFF, level.free, "damaged", "staff:1"
    )
    with caplog.at_level(logging.INFO, "flashsale.fulfilment.service.allocator"):
        await drain(first)
    assert "the snapshot went stale" in caplog.text
    assert [await warehouse.where(o) for o in orders[2:]] == [[("DC-GGN", "allocated", 1)]] * 2
    (blr,) = await warehouse.f.stock.levels("DC-BLR")
    assert blr.allocated + blr.committed <= blr.on_hand
    await warehouse.assert_audit_clean()


async def test_a_cancel_in_the_page_after_a_batch_releases_what_that_batch_placed(
    warehouse: Warehouse,
) -> None:
    await warehouse.receive("DC-BLR", 10)
    kept = await warehouse.paid_order("IN-KA")
    cancelled = await warehouse.paid_order("IN-KA")
    await warehouse.shop.orders.cancel(cancelled.customer_id, cancelled.id)
    await drain(allocator(warehouse, 2))  # the cancel comes a page after the payment
    assert await warehouse.where(kept) == [("DC-BLR", "allocated", 1)]
    assert await warehouse.where(cancelled) == [("DC-BLR", "cancelled", 1)]
    (level,) = await warehouse.f.stock.levels("DC-BLR")
    assert level.allocated == 1
    await warehouse.assert_audit_clean()


async def test_a_page_decided_ahead_and_taken_by_another_allocator_is_not_written_twice(
    warehouse: Warehouse,
) -> None:
    await warehouse.receive("DC-BLR", 10)
    orders: list[Order] = [await warehouse.paid_order("IN-KA") for _ in range(5)]
    first = allocator(warehouse, 2)
    await first.step()  # the second page decided ahead
    second = warehouse.f.allocators._make("IN")
    second._batch = 2
    await drain(second)
    await drain(first)
    assert [await warehouse.where(o) for o in orders] == [[("DC-BLR", "allocated", 1)]] * 5
    (level,) = await warehouse.f.stock.levels("DC-BLR")
    assert level.allocated == 5
    await warehouse.assert_audit_clean()


async def settle() -> None:
    """Let a write sent ahead run to its end (the memory record's writes take a few turns)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_the_page_decided_ahead_is_written_behind_the_batch_before(
    warehouse: Warehouse,
) -> None:
    await warehouse.receive("DC-BLR", 10)
    orders = [await warehouse.paid_order("IN-KA") for _ in range(4)]
    first = allocator(warehouse, 2)
    assert (await first.step()).allocated == 2
    await settle()
    assert [await warehouse.where(o) for o in orders] == [[("DC-BLR", "allocated", 1)]] * 4
    assert (await first.step()).allocated == 2  # its step only takes the answer
    assert not (await first.step()).events
    await warehouse.assert_audit_clean()


async def test_nothing_is_decided_or_sent_ahead_while_the_sale_sells_fast(
    warehouse: Warehouse,
) -> None:
    await warehouse.receive("DC-BLR", 10)
    orders = [await warehouse.paid_order("IN-KA") for _ in range(4)]
    first = allocator(warehouse, 2)
    first._busy = lambda: True
    assert (await first.step()).allocated == 2  # the runner stops after the batch in flight
    await settle()
    assert [await warehouse.where(o) for o in orders[2:]] == [[], []]
    first._busy = lambda: False
    await drain(first)
    assert [await warehouse.where(o) for o in orders] == [[("DC-BLR", "allocated", 1)]] * 4
    await warehouse.assert_audit_clean()
