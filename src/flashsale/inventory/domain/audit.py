"""The stock audit: every level recomputed from what explains it.

Per (location, SKU): on-hand = the ledger's sum of on-hand changes (and its allocated changes
add up to allocated), allocated = the units of the open fulfilment orders there, committed =
what the live allotments and the partners' pools still hold there. Per SKU: received +
returned + adjusted + counted − shipped − written off + transferred in − transferred out =
Σ on-hand over the locations. And per SKU, every door's units (inventory/domain/doors.py): the
doors together account for every ship and return move, and

    received = Σ doors (shipped − returned) + in pools + on hand + written off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flashsale.inventory.domain.doors import Door, DoorCount
from flashsale.inventory.domain.stock import MoveKind, StockLevel

Key = tuple[str, str]  # (location, SKU)


@dataclass(frozen=True, slots=True)
class Discrepancy:
    # ledger-on-hand, ledger-allocated, open-orders, committed, sku-balance, doors-shipped,
    # doors-returned, door-unknown, received
    check: str
    sku: str
    location: str | None  # None: the SKU over every location
    expected: int  # what the explanation adds up to
    found: int  # what the level says

    def describe(self) -> str:
        where = self.location or "all locations"
        return (
            f"{self.sku} at {where}: {self.check} expects {self.expected}, level says {self.found}"
        )


@dataclass(frozen=True, slots=True)
class LedgerSum:
    location: str
    sku: str
    kind: MoveKind
    on_hand: int
    allocated: int


# Units that came in other than as a return: what "received" counts.
INFLOWS = frozenset(
    {
        MoveKind.RECEIPT,
        MoveKind.ADJUSTMENT,
        MoveKind.COUNT,
        MoveKind.TRANSFER_IN,
        MoveKind.TRANSFER_OUT,
    }
)


@dataclass(frozen=True, slots=True)
class SkuStock:
    """Where every unit of a SKU that came in is now."""

    sku: str
    received: int
    doors: tuple[DoorCount, ...]  # by door
    in_pools: int  # still held for the partners at the shelves
    on_hand: int  # the rest of the shelves' units
    written_off: int

    @property
    def accounted(self) -> int:
        return sum(d.sold for d in self.doors) + self.in_pools + self.on_hand + self.written_off

    @property
    def balanced(self) -> bool:
        return self.received == self.accounted


@dataclass(frozen=True, slots=True)
class StockAudit:
    levels: int
    skus: int
    discrepancies: tuple[Discrepancy, ...]
    stock: tuple[SkuStock, ...] = ()  # by SKU

    @property
    def clean(self) -> bool:
        return not self.discrepancies


def audit(
    levels: Iterable[StockLevel],
    ledger: Iterable[LedgerSum],
    open_allocations: Mapping[Key, int],
    committed: Mapping[Key, int],
    *,
    pools: Mapping[Key, int] | None = None,
    doors: Iterable[DoorCount] | None = None,
    sku: str | None = None,
) -> StockAudit:
    """``committed``: what the allotments and pools hold per level; ``pools``: of it, the
    partners' pools; ``doors``: None when no one tells the doors apart (every unit that left
    is then counted under ``Door.ALL``); ``sku``: only this SKU's levels and moves."""
    if sku is not None:
        only = sku
        levels = [level for level in levels if level.sku == only]
        ledger = [row for row in ledger if row.sku == only]
        open_allocations = {k: v for k, v in open_allocations.items() if k[1] == only}
        committed = {k: v for k, v in committed.items() if k[1] == only}
        doors = None if doors is None else [c for c in doors if c.sku == only]
    by_key = {(level.location, level.sku): level for level in levels}
    on_hand_sum: dict[Key, int] = defaultdict(int)
    allocated_sum: dict[Key, int] = defaultdict(int)
    by_sku_kind: dict[tuple[str, MoveKind], int] = defaultdict(int)
    for row in ledger:
        on_hand_sum[row.location, row.sku] += row.on_hand
        allocated_sum[row.location, row.sku] += row.allocated
        by_sku_kind[row.sku, row.kind] += row.on_hand
    found: list[Discrepancy] = []
    keys = sorted(set(by_key) | set(on_hand_sum) | set(open_allocations) | set(committed))
    for key in keys:
        level = by_key.get(key, StockLevel(*key))
        location, sku = key
        for check, expected, actual in (
            ("ledger-on-hand", on_hand_sum.get(key, 0), level.on_hand),
            ("ledger-allocated", allocated_sum.get(key, 0), level.allocated),
            ("open-orders", open_allocations.get(key, 0), level.allocated),
            ("committed", committed.get(key, 0), level.committed),
        ):
            if expected != actual:
                found.append(Discrepancy(check, sku, location, expected, actual))
    skus = sorted({sku for _, sku in keys})
    for sku in skus:
        balance = sum(units for (s, _), units in by_sku_kind.items() if s == sku)
        total = sum(level.on_hand for (_, s), level in by_key.items() if s == sku)
        if balance != total:
            found.append(Discrepancy("sku-balance", sku, None, balance, total))
    stock = _stock(skus, by_key, by_sku_kind, pools or {}, doors, found)
    return StockAudit(len(by_key), len(skus), tuple(found), stock)


def _stock(
    skus: list[str],
    by_key: Mapping[Key, StockLevel],
    by_sku_kind: Mapping[tuple[str, MoveKind], int],
    pools: Mapping[Key, int],
    doors: Iterable[DoorCount] | None,
    found: list[Discrepancy],
) -> tuple[SkuStock, ...]:
    """Each SKU's units by where they are, with the checks that the doors account for every
    unit the ledger shipped or took back, and that the whole balances."""
    told: dict[str, list[DoorCount]] = defaultdict(list)
    if doors is not None:
        for count in doors:
            told[count.sku].append(count)
    made = []
    for sku in skus:
        shipped = -by_sku_kind.get((sku, MoveKind.SHIP), 0)
        returned = by_sku_kind.get((sku, MoveKind.RETURN_RECEIPT), 0)
        if doors is None:
            counts = [DoorCount(sku, Door.ALL, shipped, returned)] if shipped or returned else []
        else:
            counts = sorted(told.pop(sku, []), key=lambda c: list(Door).index(c.door))
        for check, expected, actual in (
            ("doors-shipped", shipped, sum(c.shipped for c in counts)),
            ("doors-returned", returned, sum(c.returned for c in counts)),
        ):
            if expected != actual:
                found.append(Discrepancy(check, sku, None, expected, actual))
        for count in counts:
            if count.door is Door.UNKNOWN:
                found.append(Discrepancy("door-unknown", sku, None, 0, count.shipped))
        in_pools = sum(units for (_, s), units in pools.items() if s == sku)
        on_shelves = sum(level.on_hand for (_, s), level in by_key.items() if s == sku)
        row = SkuStock(
            sku,
            received=sum(by_sku_kind.get((sku, kind), 0) for kind in INFLOWS),
            doors=tuple(counts),
            in_pools=in_pools,
            on_hand=on_shelves - in_pools,
            written_off=-by_sku_kind.get((sku, MoveKind.WRITE_OFF), 0),
        )
        if not row.balanced:
            found.append(Discrepancy("received", sku, None, row.received, row.accounted))
        made.append(row)
    for sku, counts in sorted(told.items()):  # units through a door with no move at all
        if sku in skus:
            continue
        for check, units in (
            ("doors-shipped", sum(c.shipped for c in counts)),
            ("doors-returned", sum(c.returned for c in counts)),
        ):
            if units:
                found.append(Discrepancy(check, sku, None, 0, units))
    return tuple(made)
