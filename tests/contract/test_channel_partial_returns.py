"""A partner's line returned in parts (memory, SQLite, PostgreSQL): 3 bands of one Amazon line
shipped; 1 comes back, then 2 more, each its own return told apart by the partner's return id
(or when it was asked); the same report sent again changes nothing; a further unit is rejected
naming what was asked, sold and returned before; on hand, reconciliation and the audit agree."""

from __future__ import annotations

from datetime import timedelta

from flashsale.channels.domain.pool import PoolTarget
from flashsale.channels.domain.returns import ReportedReturn, ReturnKind
from flashsale.channels.service.pool_commitments import PoolCommitments
from flashsale.inventory.domain.doors import Door, DoorCount
from flashsale.inventory.service.audit import StockAuditing
from flashsale.record.store import Store
from tests.contract.test_channel_repository import SKU, line, planner, stocked
from tests.contract.test_channel_returns_contract import BACK, level, returns_planner, ship

ORDER, LINE = "402-0000001", "00000000000001"


def back(n: int, quantity: int, ref: str | None, days: int = 0) -> ReportedReturn:
    return ReportedReturn(n, ORDER, LINE, None, ReturnKind.RETURN, quantity,
                          BACK + timedelta(days=days), False, ref)  # fmt: skip


async def test_a_partner_line_comes_back_in_two_parts_and_no_further(store: Store) -> None:
    await stocked(store)
    await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 6)])
    await store.channel_import_chunk("AMAZON_IN", [line(1, quantity=3)], planner())
    (fo,) = await store.fulfilment_orders(location="DC-BLR", limit=10)
    await ship(store, fo.id)
    assert await level(store) == (7, 0, 3)  # 3 left by the partner's door; its pool holds 3
    returns_planned = returns_planner()  # one id counter for every chunk

    first = await store.channel_returns_chunk("AMAZON_IN", [back(1, 1, "RMA-1")], returns_planned)
    assert (first.applied, first.duplicates, first.rejected) == (1, 0, [])
    # The second part, and the first again in the same report: one applied, one duplicate.
    second = await store.channel_returns_chunk(
        "AMAZON_IN", [back(1, 1, "RMA-1"), back(2, 2, None, days=1)], returns_planned
    )
    assert (second.applied, second.duplicates, second.rejected) == (1, 1, [])
    assert await level(store) == (10, 0, 3)
    third = await store.channel_returns_chunk(
        "AMAZON_IN", [back(3, 1, "RMA-3", days=2)], returns_planned
    )
    assert third.applied == 0
    assert third.rejected == [(3, "quantity-above-line: 1 asked, 3 sold, 3 returned before")]
    again = await store.channel_returns_chunk(
        "AMAZON_IN", [back(1, 1, "RMA-1"), back(2, 2, None, days=1)], returns_planned
    )
    assert (again.applied, again.duplicates) == (0, 2)
    assert await level(store) == (10, 0, 3)
    rows = await store.channel_reconciliation("AMAZON_IN", BACK.date() - timedelta(days=5),
                                              BACK.date() + timedelta(days=5))  # fmt: skip
    assert sum(r.returned for r in rows) == 3
    audit = await StockAuditing(store, store, [PoolCommitments(store)]).audit(SKU)
    assert audit.clean, [d.describe() for d in audit.discrepancies]
    (stock,) = audit.stock
    assert stock.doors == (DoorCount(SKU, Door.PARTNERS, 3, 3),)
