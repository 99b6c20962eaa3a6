"""The POS group commit's contract (memory, SQLite, PostgreSQL): a batch of sales answers each
as if it had been recorded alone in the batch's order: a short sale or an unknown store is
refused and changes nothing, the others commit with gap-free numbers, and a key met twice
(stored before, or earlier in the same batch) answers with its first sale."""

from __future__ import annotations

from dataclasses import replace

from flashsale.inventory.domain.stock import MoveKind, StockChange, StockLevel
from flashsale.kernel.errors import NotFound
from flashsale.record.store import Store
from flashsale.stores.domain.sale import PosSale, SaleLine
from flashsale.stores.errors import InsufficientStoreStock
from tests.contract.record_world import BAND_PRICE, T0
from tests.contract.test_store_repository import SKU, opened, sale

OTHER_SKU = "MIBAND3-ORG"


async def test_a_short_sale_in_a_batch_is_refused_and_the_others_commit(store: Store) -> None:
    till_id = await opened(store, units=3)
    batch = [
        sale(till_id, 2, "k1"),
        sale(till_id, 2, "k2"),  # 1 left after k1: short
        replace(sale(till_id, 1, "k3"), store_code="MH-NOWHERE"),
        sale(till_id, 1, "k4"),
        sale(till_id, 1, "k5"),  # the shelf is empty now
    ]
    first, short, unknown, fourth, empty = await store.pos_record_sales(batch)
    assert isinstance(first, PosSale) and isinstance(fourth, PosSale)
    assert (first.number, fourth.number) == (1, 2)
    assert isinstance(short, InsufficientStoreStock) and "has 1 of" in str(short)
    assert isinstance(unknown, NotFound)
    assert isinstance(empty, InsufficientStoreStock)
    assert await store.pos_sale_by_key("MH-BLR", "k2") is None
    assert await store.pos_sale(fourth.id) == fourth
    assert await store.stock_levels("MH-BLR") == [StockLevel("MH-BLR", SKU, 0, 0, 0)]
    moves = [m for m in await store.moves("MH-BLR", SKU) if m.kind is MoveKind.SHIP]
    assert sorted(m.reference for m in moves) == ["pos:MH-BLR-000001", "pos:MH-BLR-000002"]
    await store.record_changes([StockChange("MH-BLR", SKU, MoveKind.RECEIPT, 1, "PO-2", "t", T0)])
    assert (await store.pos_record_sale(sale(till_id, 1, "k6"))).number == 3


async def test_a_key_met_twice_answers_its_first_sale(store: Store) -> None:
    till_id = await opened(store, units=5)
    before = await store.pos_record_sale(sale(till_id, 1, "k1"))
    batch = [
        replace(sale(till_id, 2, "k1"), id="pos_retry"),
        sale(till_id, 1, "k2"),
        replace(sale(till_id, 1, "k2"), id="pos_twin"),
    ]
    retry, second, twin = await store.pos_record_sales(batch)
    assert retry == before
    assert isinstance(second, PosSale) and second.number == 2 and twin == second
    assert await store.pos_sale("pos_twin") is None and await store.pos_sale("pos_retry") is None
    assert await store.stock_levels("MH-BLR") == [StockLevel("MH-BLR", SKU, 3, 0, 0)]


async def test_a_sale_of_two_skus_is_short_when_either_is(store: Store) -> None:
    till_id = await opened(store, units=2)
    both = replace(
        sale(till_id, 1, "k1"),
        lines=(SaleLine(SKU, 1, BAND_PRICE), SaleLine(OTHER_SKU, 1, BAND_PRICE)),
        total=BAND_PRICE.times(2),
    )
    refused, sold = await store.pos_record_sales([both, sale(till_id, 2, "k2")])
    assert isinstance(refused, InsufficientStoreStock) and OTHER_SKU in str(refused)
    assert isinstance(sold, PosSale) and sold.number == 1
    assert await store.stock_levels("MH-BLR") == [StockLevel("MH-BLR", SKU, 0, 0, 0)]
