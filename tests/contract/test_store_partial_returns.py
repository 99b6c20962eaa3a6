"""A till sale's line returned in parts, alike on memory, SQLite and PostgreSQL: 3 bought, 1
back, then 2 more, each its own return with its own refund; a further unit is refused with the
numbers (the domain's check) and by the record's guard (the same request racing past it), and
nothing of it is written."""

from __future__ import annotations

import pytest

from flashsale.inventory.domain.stock import StockLevel
from flashsale.record.store import Store
from flashsale.stores.domain.returns import returnable
from flashsale.stores.errors import ReturnExceedsSale
from tests.contract.record_world import BAND_PRICE
from tests.contract.test_store_repository import SKU, a_return, opened, sale


async def test_a_line_comes_back_in_two_parts_and_no_further(store: Store) -> None:
    till_id = await opened(store, units=5)
    sold = await store.pos_record_sale(sale(till_id, 3, "k1"))
    lines, refund = returnable(sold, [(SKU, 1)])
    assert (lines, refund) == (((SKU, 1),), BAND_PRICE)
    await store.pos_record_return(a_return(sold, 1, restock=True, n=1))
    after_one = await store.pos_sale(sold.id)
    assert after_one is not None and after_one.lines[0].returned == 1
    lines, refund = returnable(after_one, [(SKU, 2)])
    assert (lines, refund) == (((SKU, 2),), BAND_PRICE.times(2))
    await store.pos_record_return(a_return(after_one, 2, restock=True, n=2))
    after_two = await store.pos_sale(sold.id)
    assert after_two is not None and after_two.lines[0].returned == 3
    with pytest.raises(ReturnExceedsSale) as refused:
        returnable(after_two, [(SKU, 1)])
    assert refused.value.extra == {"sku": SKU, "sold": 3, "returned_before": 3, "asked": 1}
    with pytest.raises(ReturnExceedsSale):  # a request that read the sale before the second
        await store.pos_record_return(a_return(after_one, 1, restock=True, n=3))
    assert [r.id for r in await store.pos_returns(sold.id)] == ["ret_1", "ret_2"]
    assert await store.stock_levels("MH-BLR") == [StockLevel("MH-BLR", SKU, 5, 0, 0)]
