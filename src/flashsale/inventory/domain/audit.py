"""The stock audit: every level recomputed from what explains it.

Per (location, SKU): on-hand = the ledger's sum of on-hand changes (and its allocated changes
add up to allocated), allocated = the units of the open fulfilment orders there, committed =
what the live allotments and the partners' pools still hold there. Per SKU: received +
returned + adjusted + counted − shipped − written off + transferred in − transferred out =
Σ on-hand over the locations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flashsale.inventory.domain.stock import MoveKind, StockLevel

Key = tuple[str, str]  # (location, SKU)


@dataclass(frozen=True, slots=True)
class Discrepancy:
    check: str  # ledger-on-hand, ledger-allocated, open-orders, committed, sku-balance
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


@dataclass(frozen=True, slots=True)
class StockAudit:
    levels: int
    skus: int
    discrepancies: tuple[Discrepancy, ...]

    @property
    def clean(self) -> bool:
        return not self.discrepancies


def audit(
    levels: Iterable[StockLevel],
    ledger: Iterable[LedgerSum],
    open_allocations: Mapping[Key, int],
    committed: Mapping[Key, int],
) -> StockAudit:
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
    return StockAudit(len(by_key), len(skus), tuple(found))
