"""The point of sale's group commit on the memory record: sales arriving together are written
in one batch, each decided alone in arrival order; a short one is refused (its card given
back) and does not stop the others; a key sent twice in one batch is one sale."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal

import pytest

from flashsale.record.memory_store import MemoryStore
from flashsale.stores.domain.sale import PosSale, TenderMethod
from flashsale.stores.errors import InsufficientStoreStock
from flashsale.stores.service.selling import SaleOutcome, SaleRequest
from tests.unit.stores.test_point_of_sale import CARD, SKU, opened

CASH = SaleRequest([(SKU, 1)], TenderMethod.CASH, Decimal("1000"))
BY_CARD = SaleRequest([(SKU, 1)], TenderMethod.CARD, card=CARD)


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    record = MemoryStore.pos_record_sales

    async def counted(self: MemoryStore, sales: Sequence[PosSale]) -> list[PosSale | Exception]:
        sizes.append(len(sales))
        return await record(self, sales)

    monkeypatch.setattr(MemoryStore, "pos_record_sales", counted)
    return sizes


async def test_a_short_sale_in_a_batch_stops_none_of_the_others(batches: list[int]) -> None:
    _, stores, gateway, caller = await opened(units=3)
    requests = [CASH, BY_CARD, CASH, BY_CARD, CASH]
    outcomes = await asyncio.gather(
        *(stores.pos.sell(caller, r, f"k{n}") for n, r in enumerate(requests)),
        return_exceptions=True,
    )
    sold = [o.sale for o in outcomes if isinstance(o, SaleOutcome)]
    assert batches == [5]
    assert sorted(s.number for s in sold) == [1, 2, 3]
    assert [s.idempotency_key for s in sold] == ["k0", "k1", "k2"]  # in the order they came
    assert all(isinstance(o, InsufficientStoreStock) for o in outcomes[3:])
    paid = {s.tender.card_reference for s in sold}
    assert [c.refunded for c in gateway.charges()] == [
        c.reference not in paid for c in gateway.charges()
    ]
    assert sum(c.refunded for c in gateway.charges()) == 1  # k3's card, charged then short


async def test_a_key_twice_in_one_batch_is_one_sale(batches: list[int]) -> None:
    store, stores, _, caller = await opened(units=5)
    first, again = await asyncio.gather(
        stores.pos.sell(caller, CASH, "k-twin"), stores.pos.sell(caller, CASH, "k-twin")
    )
    assert batches == [2]
    assert not first.replayed and again.replayed and again.sale == first.sale
    (level,) = await store.stock_levels("MH-BLR", SKU)
    assert level.on_hand == 4
