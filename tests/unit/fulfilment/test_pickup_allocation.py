"""Click & collect in the allocator's pure decision: a pickup order takes its store's shelf
whole or waits, never a DC, never split; a shipped order never takes a store's shelf."""

from __future__ import annotations

from datetime import UTC, datetime

from flashsale.fulfilment.domain.allocation import Part, decide
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.fulfilment.domain.plan import PlanBuilder
from flashsale.fulfilment.domain.settings import MarketFulfilment, Strategy
from flashsale.fulfilment.domain.strategies import Availability, Context, Need
from flashsale.inventory.domain.location import Location, LocationKind, ranked_regions

SKU = "MIBAND2"
SALE = "sale_1"
AT = datetime(2026, 4, 8, 2, 0, tzinfo=UTC)
DC = Location(
    "DC-BLR", "Bengaluru DC", "IN", "Asia/Kolkata", regions=ranked_regions([("IN-KA", 1)])
)
STORE = Location("MH-BLR", "Mi Home Bengaluru", "IN", "Asia/Kolkata", kind=LocationKind.STORE)


def context(dc: int, store: int, split: bool = True, allotted_at_store: int = 0) -> Context:
    settings = MarketFulfilment("IN", Strategy.NEAREST, allow_split=split)
    free = {("DC-BLR", SKU): dc, ("MH-BLR", SKU): store}
    allotted = {(SALE, "MH-BLR"): allotted_at_store} if allotted_at_store else {}
    return Context(settings, [DC, STORE], Availability(free, allotted))


def need(quantity: int, pickup: str | None = "MH-BLR", n: int = 1) -> Need:
    return Need(f"ord_{n}", SALE, SKU, quantity, "IN-KA", AT, pickup)


def test_a_pickup_takes_its_stores_shelf_whole() -> None:
    ctx = context(dc=10, store=2)
    decision = decide(need(2), ctx)
    assert decision.parts == (Part("MH-BLR", 2, 0),)
    assert ctx.available.free[("MH-BLR", SKU)] == 0 and ctx.available.free[("DC-BLR", SKU)] == 10


def test_a_pickup_the_store_cannot_serve_waits_and_never_goes_to_a_dc_nor_splits() -> None:
    decision = decide(need(3), context(dc=10, store=2, split=True))
    assert decision.parts == () and "pickup store MH-BLR has 2" in decision.reason


def test_a_pickup_draws_the_sales_allotment_at_the_store_first() -> None:
    decision = decide(need(2), context(dc=0, store=1, allotted_at_store=1))
    assert decision.parts == (Part("MH-BLR", 2, 1),)


def test_a_shipped_order_never_takes_a_stores_shelf() -> None:
    decision = decide(need(1, pickup=None), context(dc=0, store=5))
    assert decision.parts == ()
    decision = decide(need(1, pickup=None), context(dc=1, store=5))
    assert decision.parts == (Part("DC-BLR", 1, 0),)


def test_the_allocators_shortcut_sends_pickups_to_the_store_and_counts_the_shelf() -> None:
    ctx = context(dc=10, store=1)
    builder = PlanBuilder("IN", AT, iter(f"fo_{i}" for i in range(10)).__next__)
    builder.decide_new(need(1, n=1), ctx)
    builder.decide_new(need(1, n=2), ctx)  # the shelf's one unit is taken: it waits
    builder.decide_new(need(1, pickup=None, n=3), ctx)
    plan = builder.finish("")
    placed = [(fo.source_id, fo.status, fo.location) for fo in plan.inserts]
    assert placed == [
        ("ord_1", FulfilmentStatus.ALLOCATED, "MH-BLR"),
        ("ord_2", FulfilmentStatus.UNALLOCATED, None),
        ("ord_3", FulfilmentStatus.ALLOCATED, "DC-BLR"),
    ]
    assert plan.levels[("MH-BLR", SKU)].promised == 1
