"""The strategies and the chain, table-driven: which location(s) an order gets, or why none.

Each case is decided twice, by ``decide`` and by the allocator's ``PlanBuilder.decide_new``
(which takes a shortcut for the first strategy's first location), and both must agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from flashsale.fulfilment.domain.allocation import Part, decide
from flashsale.fulfilment.domain.order import FulfilmentStatus
from flashsale.fulfilment.domain.plan import PlanBuilder
from flashsale.fulfilment.domain.settings import MarketFulfilment, Strategy
from flashsale.fulfilment.domain.strategies import Availability, Context, Need
from flashsale.inventory.domain.location import Location, ranked_regions

SKU = "PHONE"
SALE = "sale_1"
AT = datetime(2026, 4, 8, 2, 0, tzinfo=UTC)


def dc(
    code: str,
    regions: list[tuple[str, int]],
    where: tuple[float, float] | None = None,
    active: bool = True,
) -> Location:
    return Location(
        code,
        code,
        "IN",
        "Asia/Kolkata",
        regions=ranked_regions(regions),
        active=active,
        latitude=where[0] if where else None,
        longitude=where[1] if where else None,
    )


# Bengaluru and Chennai both rank Karnataka and Tamil Nadu first (distance decides); Gurugram
# ranks Delhi first and Karnataka third; Mumbai and Pune rank Maharashtra first and have no
# coordinates (the sale's allotment decides between them).
BLR = dc("DC-BLR", [("IN-KA", 1), ("IN-TN", 1), ("IN-DL", 2)], (12.97, 77.59))
CHN = dc("DC-CHN", [("IN-KA", 1), ("IN-TN", 1)], (13.08, 80.27))
GGN = dc("DC-GGN", [("IN-DL", 1), ("IN-HR", 1), ("IN-KA", 3)], (28.46, 77.03))
MUM = dc("DC-MUM", [("IN-MH", 1)])
PUN = dc("DC-PUN", [("IN-MH", 1)])
ALL = [BLR, CHN, GGN, MUM, PUN]


@dataclass(frozen=True)
class Case:
    name: str
    region: str | None
    free: dict[str, int]  # location → free units of SKU
    expect: list[tuple[str, int, int]] = field(default_factory=list)  # (location, units, allotted)
    reason: str = ""  # when nothing is expected: the start of the reason
    quantity: int = 1
    strategy: Strategy = Strategy.NEAREST
    ranked: tuple[str, ...] = ()
    allow_split: bool = False
    allotted: dict[str, int] = field(default_factory=dict)  # location → the sale's allotment
    locations: tuple[Location, ...] = tuple(ALL)


EVERYWHERE = {code.code: 10 for code in ALL}

CASES = [
    Case("nearest: the region's first rank", "IN-DL", EVERYWHERE, [("DC-GGN", 1, 0)]),
    Case("nearest: one rank, the nearer (KA)", "IN-KA", EVERYWHERE, [("DC-BLR", 1, 0)]),
    Case("nearest: one rank, the nearer (TN)", "IN-TN", EVERYWHERE, [("DC-CHN", 1, 0)]),
    Case(
        "nearest: rank before distance",
        "IN-DL",
        {"DC-BLR": 10, "DC-GGN": 10},
        [("DC-GGN", 1, 0)],
    ),
    Case(
        "nearest: same rank and distance, the larger allotment (PUN)",
        "IN-MH",
        EVERYWHERE,
        [("DC-PUN", 1, 1)],
        allotted={"DC-MUM": 2, "DC-PUN": 5},
    ),
    Case(
        "nearest: same rank and distance, the larger allotment (MUM)",
        "IN-MH",
        EVERYWHERE,
        [("DC-MUM", 1, 1)],
        allotted={"DC-MUM": 6, "DC-PUN": 5},
    ),
    Case(
        "nearest: the first lacks it, the next rank has it",
        "IN-KA",
        {"DC-BLR": 0, "DC-CHN": 0, "DC-GGN": 4},
        [("DC-GGN", 2, 0)],
        quantity=2,
    ),
    Case(
        "nearest: the allotment first, then free stock",
        "IN-KA",
        {"DC-BLR": 5},
        [("DC-BLR", 3, 1)],
        quantity=3,
        allotted={"DC-BLR": 1},
    ),
    Case(
        "nearest: nobody serving the region has it, the ranked list does",
        "IN-KA",
        {"DC-MUM": 1, "DC-PUN": 1},
        [("DC-PUN", 1, 0)],
        ranked=("DC-PUN", "DC-MUM"),
    ),
    Case(
        "nearest: then the one with most stock",
        "IN-KA",
        {"DC-MUM": 1, "DC-PUN": 3},
        [("DC-PUN", 1, 0)],
    ),
    Case(
        "no region: the market's ranked list",
        None,
        EVERYWHERE,
        [("DC-CHN", 1, 0)],
        ranked=("DC-CHN", "DC-BLR"),
    ),
    Case(
        "no region and no ranked list: the most stock",
        None,
        {**EVERYWHERE, "DC-GGN": 50},
        [("DC-GGN", 1, 0)],
    ),
    Case(
        "ranked: the list's order, whatever the region",
        "IN-KA",
        EVERYWHERE,
        [("DC-GGN", 1, 0)],
        strategy=Strategy.RANKED,
        ranked=("DC-GGN", "DC-BLR"),
    ),
    Case(
        "ranked: the first with the whole order",
        "IN-KA",
        {"DC-GGN": 1, "DC-BLR": 2},
        [("DC-BLR", 2, 0)],
        quantity=2,
        strategy=Strategy.RANKED,
        ranked=("DC-GGN", "DC-BLR"),
    ),
    Case(
        "most_stock: free plus the sale's allotment",
        "IN-KA",
        {"DC-BLR": 4, "DC-CHN": 3},
        [("DC-CHN", 1, 1)],
        strategy=Strategy.MOST_STOCK,
        allotted={"DC-CHN": 2},
    ),
    Case(
        "split allowed: the chain's first locations share it",
        "IN-KA",
        {"DC-BLR": 3, "DC-CHN": 2, "DC-GGN": 9},
        [("DC-GGN", 10, 1)],
        quantity=10,
        allow_split=True,
        allotted={"DC-GGN": 1},
    ),
    Case(
        "split allowed: nobody has it all",
        "IN-KA",
        {"DC-BLR": 3, "DC-CHN": 2},
        [("DC-BLR", 3, 0), ("DC-CHN", 2, 0)],
        quantity=5,
        allow_split=True,
    ),
    Case(
        "split not allowed: unallocated, saying so",
        "IN-KA",
        {"DC-BLR": 3, "DC-CHN": 2},
        reason="no location has 5 of PHONE: the most is 3 at DC-BLR (splits are not allowed)",
        quantity=5,
    ),
    Case(
        "split allowed but not enough between them",
        "IN-KA",
        {"DC-BLR": 3, "DC-CHN": 1},
        reason="no location has 5 of PHONE: the most is 3 at DC-BLR",
        quantity=5,
        allow_split=True,
    ),
    Case(
        "nothing anywhere",
        "IN-KA",
        {},
        reason="no location has 1 of PHONE: the most is 0 at",
    ),
    Case(
        "an inactive location is never chosen",
        "IN-KA",
        {"DC-BLR": 10, "DC-CHN": 10},
        [("DC-CHN", 1, 0)],
        locations=(dc("DC-BLR", [("IN-KA", 1)], (12.97, 77.59), active=False), CHN),
    ),
    Case(
        "no active distribution centre",
        "IN-KA",
        EVERYWHERE,
        reason="no active distribution centre in IN",
        locations=(),
    ),
]


def context(case: Case) -> Context:
    settings = MarketFulfilment(
        "IN", strategy=case.strategy, ranked_locations=case.ranked, allow_split=case.allow_split
    )
    free = {(code, SKU): units for code, units in case.free.items()}
    allotted = {(SALE, code): units for code, units in case.allotted.items()}
    return Context(settings, case.locations, Availability(free, allotted))


def need(case: Case) -> Need:
    return Need("ord_1", SALE, SKU, case.quantity, case.region, AT)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_decide(case: Case) -> None:
    decision = decide(need(case), context(case))
    assert decision.parts == tuple(Part(*p) for p in case.expect)
    if case.expect:
        assert decision.reason == ""
    else:
        assert decision.reason.startswith(case.reason), decision.reason


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_allocators_shortcut_decides_the_same(case: Case) -> None:
    ctx = context(case)
    builder = PlanBuilder("IN", AT, iter(f"fo_{n}" for n in range(10)).__next__)
    builder.decide_new(need(case), ctx)
    plan = builder.finish("batch")
    rows = [(fo.location, fo.quantity, fo.from_allotment) for fo in plan.inserts]
    if case.expect:
        assert rows == case.expect
        assert all(fo.status is FulfilmentStatus.ALLOCATED for fo in plan.inserts)
        assert [(e.location, e.quantity) for e in plan.events] == [
            (loc, units) for loc, units, _ in case.expect
        ]
        for location, units, allotted in case.expect:
            level = plan.levels[location, SKU]
            assert (level.allocated, level.committed) == (units, -allotted)
    else:
        (fo,) = plan.inserts
        assert (fo.status, fo.location) == (FulfilmentStatus.UNALLOCATED, None)
        assert fo.reason.startswith(case.reason)
        assert not plan.events and not plan.levels


def test_a_batch_never_promises_a_unit_twice() -> None:
    """Decisions take from the snapshot: the third order of two units finds them gone."""
    case = Case("two units at the nearest", "IN-KA", {"DC-BLR": 2, "DC-CHN": 1})
    ctx = context(case)
    builder = PlanBuilder("IN", AT, iter(f"fo_{n}" for n in range(10)).__next__)
    for n in range(4):
        builder.decide_new(Need(f"ord_{n}", SALE, SKU, 1, "IN-KA", AT), ctx)
    plan = builder.finish("batch")
    assert [fo.location for fo in plan.inserts] == ["DC-BLR", "DC-BLR", "DC-CHN", None]
    assert {k: v.allocated for k, v in plan.levels.items()} == {
        ("DC-BLR", SKU): 2,
        ("DC-CHN", SKU): 1,
    }


@pytest.mark.parametrize(
    ("allotted", "free", "taken", "allotted_after", "free_after"),
    [
        (3, 5, 2, 1, 5),  # the sale's allotment first
        (1, 5, 1, 0, 4),  # then free stock
        (0, 2, 0, 0, 0),  # free stock alone
        (1, 0, None, 1, 0),  # not enough between them: nothing taken
    ],
)
def test_taking_a_whole_order_takes_as_of_then_take_would(
    allotted: int, free: int, taken: int | None, allotted_after: int, free_after: int
) -> None:
    need = Need("ord_1", "sale_1", "SKU-1", 2, "CN-GD", datetime(2026, 1, 1, tzinfo=UTC))
    available = Availability({("DC-GZ", "SKU-1"): free}, {("sale_1", "DC-GZ"): allotted})
    assert available.take_whole(need, "DC-GZ") == taken
    assert available.allotted.get(("sale_1", "DC-GZ"), 0) == allotted_after
    assert available.free.get(("DC-GZ", "SKU-1"), 0) == free_after
