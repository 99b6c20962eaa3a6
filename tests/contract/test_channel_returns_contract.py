"""The ChannelRepository's returns (memory, SQLite, PostgreSQL): a partner's cancellation gives a
line's units back to its pool and cancels its fulfilment order while it is only allocated; a
return after shipping takes the unit back in at the line's DC, or writes it off; each is kept
once per (order, line, kind), so the same report again changes nothing; what cannot be applied
yet is not kept; reconciliation counts what came back, and the stock audit stays clean with
every unit told by its door."""

from __future__ import annotations

import itertools
from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo

from flashsale.channels.domain.order_line import OrderLine
from flashsale.channels.domain.pool import PoolTarget
from flashsale.channels.domain.return_planning import ReturnContext, plan_returns
from flashsale.channels.domain.returns import ReportedReturn, ReturnKind
from flashsale.channels.ports import ReturnPlanner
from flashsale.channels.service.pool_commitments import PoolCommitments
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.fulfilment.domain.shipments import Shipment
from flashsale.inventory.domain.doors import Door, DoorCount
from flashsale.inventory.domain.stock import MoveKind
from flashsale.inventory.service.audit import StockAuditing
from flashsale.record.store import Store
from tests.contract.record_world import T0
from tests.contract.test_channel_repository import SKU, line, planner, stocked

BACK = T0 + timedelta(days=3, hours=20)  # when the partner reports them back


def returns_planner() -> ReturnPlanner:
    counter = itertools.count()
    context = ReturnContext(
        "AMAZON_IN", ZoneInfo("Asia/Kolkata"), BACK, "rtn_1", lambda: f"chr_{next(counter):04d}"
    )
    return partial(plan_returns, context=context)


def cancel(n: int, quantity: int | None = None) -> ReportedReturn:
    return ReportedReturn(n, f"402-{n:07d}", f"{n:014d}", None, ReturnKind.CANCELLATION,
                          quantity, BACK, False)  # fmt: skip


def give_back(n: int, damaged: bool = False, by_sku: bool = False) -> ReportedReturn:
    line_id = None if by_sku else f"{n:014d}"
    return ReportedReturn(n, f"402-{n:07d}", line_id, SKU if by_sku else None, ReturnKind.RETURN,
                          None, BACK, damaged)  # fmt: skip


async def imported(store: Store) -> dict[str, str]:
    """DC-BLR: 10 on hand, a pool of 6 for AMAZON_IN; lines 1-4 imported (one unit each), line 5
    fulfilled by the partner. The fulfilment order of each imported line, by order id."""
    await stocked(store)
    await store.pool_put("AMAZON_IN", [PoolTarget("DC-BLR", SKU, 6)])
    partner_fulfilled = line(5)._replace(seller_fulfilled=False)
    lines: list[OrderLine] = [line(1), line(2), line(3), line(4), partner_fulfilled]
    await store.channel_import_chunk("AMAZON_IN", lines, planner())
    fos = await store.fulfilment_orders(location="DC-BLR", limit=100)
    by_line = {x.id: x for x in fos}
    found = {}
    for o in lines[:4]:
        (fo,) = [fo for fo in by_line.values() if fo.paid_at == o.purchased_at]
        found[o.order_id] = fo.id
    return found


async def ship(store: Store, fo_id: str) -> None:
    fo = await store.fulfilment_order(fo_id)
    assert fo is not None and fo.location is not None
    shipment = Shipment(fo.id, fo.source_id, fo.location, fo.sku, fo.quantity, "sandbox",
                        f"T-{fo.id}", T0, T0 + timedelta(days=2))  # fmt: skip
    await store.ship([shipment], frozenset({FulfilmentStatus.ALLOCATED}), "test", "staff:1")


async def level(store: Store) -> tuple[int, int, int]:
    (found,) = await store.stock_levels("DC-BLR", SKU)
    return found.on_hand, found.allocated, found.committed


async def test_a_cancellation_gives_the_units_back_to_the_pool_once(store: Store) -> None:
    fos = await imported(store)
    assert await level(store) == (10, 4, 2)
    plan = await store.channel_returns_chunk("AMAZON_IN", [cancel(1)], returns_planner())
    assert (plan.applied, plan.duplicates, plan.rejected) == (1, 0, [])
    cancelled = await store.fulfilment_order(fos["402-0000001"])
    assert cancelled is not None and cancelled.status is FulfilmentStatus.CANCELLED
    assert await level(store) == (10, 3, 3)
    (pool,) = await store.pools("AMAZON_IN")
    assert (pool.units, pool.consumed) == (6, 3)
    again = await store.channel_returns_chunk("AMAZON_IN", [cancel(1)], returns_planner())
    assert (again.applied, again.duplicates, again.rejected) == (0, 1, [])
    assert await level(store) == (10, 3, 3)
    releases = [s for s in await store.ledger_sums() if s.kind is MoveKind.RELEASE]
    assert [(s.on_hand, s.allocated) for s in releases] == [(0, -1)]


async def test_returns_come_back_in_or_are_written_off_and_late_cancels_are_kept_refused(
    store: Store,
) -> None:
    fos = await imported(store)
    for order_id in ("402-0000002", "402-0000003", "402-0000004"):
        await ship(store, fos[order_id])
    assert await level(store) == (7, 1, 2)
    reports = [
        give_back(2),  # restocked
        give_back(3, damaged=True, by_sku=True),  # Amazon's report names the SKU, not the line
        cancel(4),  # too late: shipped
        give_back(1),  # not shipped yet: not kept
        give_back(9),  # no such line: not kept
        give_back(5),  # fulfilled by the partner: recorded, nothing of ours moves
        cancel(1, quantity=1),  # the whole line: released
    ]
    plan = await store.channel_returns_chunk("AMAZON_IN", reports, returns_planner())
    assert plan.applied == 4
    assert sorted(plan.rejected) == [(1, "not-shipped"), (4, "in-fulfilment"),
                                     (9, "unknown-line")]  # fmt: skip
    assert await level(store) == (8, 0, 3)  # 2 back on the shelf, 3 written off, 1 released
    sums = {s.kind: s.on_hand for s in await store.ledger_sums()}
    assert (sums[MoveKind.RETURN_RECEIPT], sums[MoveKind.WRITE_OFF]) == (2, -1)
    again = await store.channel_returns_chunk("AMAZON_IN", reports, returns_planner())
    # Kept ones are duplicates; line 1's return is now refused for its cancelled line.
    assert (again.applied, again.duplicates) == (0, 5)
    assert sorted(again.rejected) == [(1, "line-cancelled"), (9, "unknown-line")]
    assert await level(store) == (8, 0, 3)
    rows = await store.channel_reconciliation("AMAZON_IN", T0.date(), BACK.date() + timedelta(1))
    assert sum(r.returned for r in rows) == 4  # 2 returned, 1 recorded, 1 cancelled
    assert {r.day for r in rows if r.returned} == {BACK.astimezone(ZoneInfo("Asia/Kolkata")).date()}
    audit = await StockAuditing(store, store, [PoolCommitments(store)]).audit(SKU)
    assert audit.clean, [d.describe() for d in audit.discrepancies]
    (stock,) = audit.stock
    assert stock.doors == (DoorCount(SKU, Door.PARTNERS, 3, 2),)
    assert (stock.received, stock.in_pools, stock.on_hand, stock.written_off) == (10, 3, 5, 1)
