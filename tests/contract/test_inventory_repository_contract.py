"""The InventoryRepository contract (memory, SQLite, PostgreSQL): locations, moves that keep
their level's rules or write nothing, counts that write the difference, allotments committed
within what is free."""

from __future__ import annotations

from datetime import time

import pytest

from flashsale.inventory.domain.location import Location, LocationKind, ranked_regions
from flashsale.inventory.domain.stock import MoveKind, StockChange, StockLevel
from flashsale.inventory.errors import AllotmentAboveFree, InsufficientOnHand
from flashsale.kernel.errors import Conflict
from flashsale.record.store import Store
from tests.contract.record_world import T0, world

SKU = "MIBAND3-BLK"
BLR = Location(
    "DC-BLR",
    "Bengaluru",
    "IN",
    "Asia/Kolkata",
    address="Hosur Road",
    capacity_per_hour=3500,
    cutoff=time(17, 30),
    regions=ranked_regions([("IN-KA", 1), ("IN-DL", 2)]),
    latitude=12.97,
    longitude=77.59,
)
GGN = Location("DC-GGN", "Gurugram", "IN", "Asia/Kolkata", kind=LocationKind.DC)


def change(kind: MoveKind, quantity: int, location: str = "DC-BLR") -> StockChange:
    return StockChange(location, SKU, kind, quantity, "PO-7", "staff:1", T0)


async def stocked(store: Store) -> None:
    await world(store)
    await store.add_location(BLR)
    await store.add_location(GGN)


async def test_locations_round_trip_and_a_code_is_taken_once(store: Store) -> None:
    await stocked(store)
    assert await store.location("DC-BLR") == BLR
    assert [loc.code for loc in await store.locations("IN")] == ["DC-BLR", "DC-GGN"]
    assert await store.locations("ES") == []
    with pytest.raises(Conflict):
        await store.add_location(BLR)
    closed = Location("DC-BLR", "Bengaluru 2", "IN", "Asia/Kolkata", active=False)
    assert await store.replace_location(closed)
    assert await store.location("DC-BLR") == closed
    assert not await store.replace_location(Location("DC-X", "X", "IN", "UTC"))


async def test_moves_write_the_ledger_and_the_level_together(store: Store) -> None:
    await stocked(store)
    moves = await store.record_changes(
        [change(MoveKind.RECEIPT, 10), change(MoveKind.WRITE_OFF, 3), change(MoveKind.COUNT, 5)]
    )
    assert [(m.kind, m.on_hand_change) for m in moves] == [
        (MoveKind.RECEIPT, 10),
        (MoveKind.WRITE_OFF, -3),
        (MoveKind.COUNT, -2),  # counted 5 where 7 were: the difference
    ]
    assert all(m.id is not None for m in moves)
    assert await store.stock_levels("DC-BLR") == [StockLevel("DC-BLR", SKU, 5, 0, 0)]
    newest = await store.moves("DC-BLR", SKU, limit=2)
    assert [m.kind for m in newest] == [MoveKind.COUNT, MoveKind.WRITE_OFF]
    sums = {(s.location, s.kind): s.on_hand for s in await store.ledger_sums()}
    assert sums == {
        ("DC-BLR", MoveKind.RECEIPT): 10,
        ("DC-BLR", MoveKind.WRITE_OFF): -3,
        ("DC-BLR", MoveKind.COUNT): -2,
    }


async def test_a_move_below_zero_writes_nothing(store: Store) -> None:
    await stocked(store)
    await store.record_changes([change(MoveKind.RECEIPT, 2)])
    with pytest.raises(InsufficientOnHand):
        await store.record_changes([change(MoveKind.RECEIPT, 5), change(MoveKind.WRITE_OFF, 8)])
    assert await store.stock_levels("DC-BLR") == [StockLevel("DC-BLR", SKU, 2, 0, 0)]
    assert len(await store.moves("DC-BLR")) == 1


async def test_allotments_commit_within_free_stock_and_release_when_trimmed(store: Store) -> None:
    await stocked(store)
    await store.record_changes(
        [change(MoveKind.RECEIPT, 10), change(MoveKind.RECEIPT, 4, "DC-GGN")]
    )
    with pytest.raises(AllotmentAboveFree):
        await store.put_allotments("sale_band", SKU, {"DC-BLR": 6, "DC-GGN": 5})
    assert await store.allotments("sale_band") == []
    made = await store.put_allotments("sale_band", SKU, {"DC-BLR": 6, "DC-GGN": 4})
    assert [(a.location, a.quantity, a.remaining) for a in made] == [
        ("DC-BLR", 6, 6),
        ("DC-GGN", 4, 4),
    ]
    # Put again: the old commitment is given back before the new one is checked.
    await store.put_allotments("sale_band", SKU, {"DC-BLR": 10})
    levels = {lv.location: lv for lv in await store.stock_levels(sku=SKU)}
    assert (levels["DC-BLR"].committed, levels["DC-GGN"].committed) == (10, 0)
    with pytest.raises(InsufficientOnHand):  # committed units cannot be written off
        await store.record_changes([change(MoveKind.WRITE_OFF, 1)])
    await store.trim_allotments("sale_band", {"DC-BLR": 3})
    (allotment,) = await store.allotments("sale_band")
    assert (allotment.quantity, allotment.closed) == (3, True)
    (level,) = await store.stock_levels("DC-BLR")
    assert level.committed == 3 and level.free == 7
