"""Stores' shelves in the allocator's pure decision (issue 19): a store that ships online is a
home delivery's candidate after every DC, whatever the strategy, and one that does not never
is; a pickup its store cannot serve goes to a DC by transfer where the store allows it, as one
parcel, or waits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flashsale.fulfilment.domain.allocation import Part, decide
from flashsale.fulfilment.domain.order import FulfilmentStatus, SourceKind
from flashsale.fulfilment.domain.plan import TRANSFERRED, PlanBuilder
from flashsale.fulfilment.domain.settings import MarketFulfilment, Strategy
from flashsale.fulfilment.domain.strategies import (
    Availability,
    Context,
    Need,
    StoreOptions,
    most_stock,
    nearest,
    ranked,
)
from flashsale.inventory.domain.location import Location, LocationKind, ranked_regions

SKU = "MIBAND2"
SALE = "sale_1"
AT = datetime(2026, 4, 8, 2, 0, tzinfo=UTC)
KA = ranked_regions([("IN-KA", 1)])
DC_BLR = Location("DC-BLR", "Bengaluru DC", "IN", "Asia/Kolkata", regions=KA)
DC_DEL = Location(
    "DC-DEL", "Delhi DC", "IN", "Asia/Kolkata", regions=ranked_regions([("IN-KA", 2)])
)
STORE = Location(
    "MH-BLR", "Mi Home Bengaluru", "IN", "Asia/Kolkata", kind=LocationKind.STORE, regions=KA
)
OTHER = Location("MH-MUM", "Mi Home Mumbai", "IN", "Asia/Kolkata", kind=LocationKind.STORE)
SHIPS = StoreOptions(ships_online=frozenset({"MH-BLR"}))
TRANSFERS = StoreOptions(by_transfer=frozenset({"MH-BLR"}))


def context(
    free: dict[str, int],
    stores: StoreOptions | None = None,
    strategy: Strategy = Strategy.NEAREST,
    ranked_locations: tuple[str, ...] = (),
    split: bool = False,
) -> Context:
    settings = MarketFulfilment("IN", strategy, ranked_locations, allow_split=split)
    levels = {(code, SKU): units for code, units in free.items()}
    where = [STORE, DC_DEL, OTHER, DC_BLR]
    return Context(settings, where, Availability(levels, {}), stores or StoreOptions())


def need(quantity: int, pickup: str | None = None, region: str | None = "IN-KA") -> Need:
    return Need("ord_1", SALE, SKU, quantity, region, AT, pickup)


@pytest.mark.parametrize(
    ("strategy", "ranked_locations", "expected"),
    [
        (Strategy.NEAREST, (), ["DC-BLR", "DC-DEL", "MH-BLR"]),
        # The market's list: its DCs first even where a store is named before them.
        (Strategy.RANKED, ("MH-BLR", "DC-DEL", "DC-BLR"), ["DC-DEL", "DC-BLR", "MH-BLR"]),
        (Strategy.MOST_STOCK, (), ["DC-DEL", "DC-BLR", "MH-BLR"]),
    ],
)
def test_a_store_that_ships_online_comes_after_every_dc(
    strategy: Strategy, ranked_locations: tuple[str, ...], expected: list[str]
) -> None:
    ctx = context({"DC-BLR": 1, "DC-DEL": 2, "MH-BLR": 9}, SHIPS, strategy, ranked_locations)
    order = {Strategy.NEAREST: nearest, Strategy.RANKED: ranked, Strategy.MOST_STOCK: most_stock}
    assert order[strategy](need(1), ctx) == expected


@pytest.mark.parametrize(
    ("free", "stores", "split", "parts", "reason"),
    [
        # A DC that has it ships it, though the store holds more.
        ({"DC-BLR": 1, "MH-BLR": 9}, SHIPS, False, (Part("DC-BLR", 1, 0),), ""),
        # No DC has it: the store that ships online does.
        ({"DC-BLR": 0, "MH-BLR": 9}, SHIPS, False, (Part("MH-BLR", 1, 0),), ""),
        # A store without ships_online never does, however full its shelf.
        ({"DC-BLR": 0, "MH-BLR": 9, "MH-MUM": 9}, StoreOptions(), False, (), "the most is 0"),
        ({"DC-BLR": 0, "MH-MUM": 9}, SHIPS, False, (), "the most is 0"),
        # One parcel from the store before a split over the DCs.
        ({"DC-BLR": 1, "DC-DEL": 1, "MH-BLR": 3}, SHIPS, True, (Part("MH-BLR", 3, 0),), ""),
        # Split: the DCs' units first, then the store's.
        (
            {"DC-BLR": 1, "DC-DEL": 1, "MH-BLR": 2},
            SHIPS,
            True,
            (Part("DC-BLR", 1, 0), Part("DC-DEL", 1, 0), Part("MH-BLR", 1, 0)),
            "",
        ),
    ],
)
def test_home_delivery_takes_a_stores_shelf_only_where_it_ships_online(
    free: dict[str, int],
    stores: StoreOptions,
    split: bool,
    parts: tuple[Part, ...],
    reason: str,
) -> None:
    quantity = 3 if split else 1
    decision = decide(need(quantity), context(free, stores, split=split))
    assert decision.parts == parts
    assert reason in decision.reason
    assert decision.transfer_to is None


def test_an_inactive_store_never_ships_even_when_it_may() -> None:
    closed = Location(
        "MH-BLR", "Mi Home", "IN", "Asia/Kolkata", kind=LocationKind.STORE, active=False
    )
    settings = MarketFulfilment("IN")
    ctx = Context(settings, [closed], Availability({("MH-BLR", SKU): 5}, {}), SHIPS)
    assert decide(need(1), ctx).parts == ()


@pytest.mark.parametrize(
    ("free", "stores", "parts", "transfer_to", "reason"),
    [
        # The shelf has it: served there, no transfer, whatever the store allows.
        ({"MH-BLR": 2, "DC-BLR": 5}, TRANSFERS, (Part("MH-BLR", 2, 0),), None, ""),
        # Short shelf, transfers allowed: the first DC along the chain with the whole order.
        ({"MH-BLR": 1, "DC-BLR": 5}, TRANSFERS, (Part("DC-BLR", 2, 0),), "MH-BLR", ""),
        ({"MH-BLR": 0, "DC-BLR": 1, "DC-DEL": 2}, TRANSFERS, (Part("DC-DEL", 2, 0),), "MH-BLR", ""),
        # One parcel: never split over DCs, never from another store.
        (
            {"MH-BLR": 0, "DC-BLR": 1, "DC-DEL": 1, "MH-MUM": 5},
            TRANSFERS,
            (),
            None,
            "nor has any distribution centre",
        ),
        # Transfers not allowed: it waits at the store, as before.
        ({"MH-BLR": 1, "DC-BLR": 5}, StoreOptions(), (), None, "pickup store MH-BLR has 1"),
    ],
)
def test_a_pickup_goes_by_transfer_only_where_the_store_allows_it(
    free: dict[str, int],
    stores: StoreOptions,
    parts: tuple[Part, ...],
    transfer_to: str | None,
    reason: str,
) -> None:
    ctx = context(free, stores, split=True)
    decision = decide(need(2, pickup="MH-BLR", region=None), ctx)
    assert (decision.parts, decision.transfer_to) == (parts, transfer_to)
    assert reason in decision.reason
    for part in parts:  # the decision took what it promised from the snapshot
        assert ctx.available.free[part.location, SKU] == free[part.location] - part.quantity


def ids() -> object:
    return iter(f"fo_{n}" for n in range(10)).__next__


def test_a_transfer_is_a_pickup_order_picking_at_the_dc_with_its_units_allocated_there() -> None:
    ctx = context({"MH-BLR": 0, "DC-BLR": 3}, TRANSFERS)
    builder = PlanBuilder("IN", AT, ids())  # type: ignore[arg-type]
    builder.decide_new(need(2, pickup="MH-BLR", region=None), ctx)
    plan = builder.finish("batch")
    (fo,) = plan.inserts
    assert (fo.source_kind, fo.status, fo.location, fo.quantity) == (
        SourceKind.PICKUP,
        FulfilmentStatus.PICKING,
        "DC-BLR",
        2,
    )
    assert plan.levels[("DC-BLR", SKU)].allocated == 2 and ("MH-BLR", SKU) not in plan.levels
    assert [(m.location, m.kind.value, m.allocated_change) for m in plan.moves] == [
        ("DC-BLR", "allocate", 2)
    ]


def test_a_waiting_pickup_retried_by_transfer_closes_its_row_for_the_transfers() -> None:
    first = context({"MH-BLR": 0, "DC-BLR": 0}, TRANSFERS)
    builder = PlanBuilder("IN", AT, ids())  # type: ignore[arg-type]
    builder.decide_new(need(1, pickup="MH-BLR", region=None), first)
    (waiting,) = builder.finish("").inserts
    assert waiting.status is FulfilmentStatus.UNALLOCATED
    later = context({"MH-BLR": 0, "DC-BLR": 4}, TRANSFERS)
    retry = PlanBuilder("IN", AT, iter(["fo_t"]).__next__)
    retry.retried(waiting, decide(need(1, pickup="MH-BLR", region=None), later))
    plan = retry.finish("retry")
    assert [(fo.id, fo.status, fo.reason) for fo, _ in plan.cancelled] == [
        (waiting.id, FulfilmentStatus.CANCELLED, f"{TRANSFERRED} DC-BLR to MH-BLR (fo_t)")
    ]
    assert [(fo.id, fo.source_kind, fo.status) for fo in plan.inserts] == [
        ("fo_t", SourceKind.PICKUP, FulfilmentStatus.PICKING)
    ]
    assert plan.levels[("DC-BLR", SKU)].allocated == 1  # the waiting row promised nothing
