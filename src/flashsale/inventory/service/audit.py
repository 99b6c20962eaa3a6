"""``flashsale stock audit``: every level explained by the ledger, the open fulfilment orders,
the live allotments and whatever else holds units (partners' pools; inventory/domain/audit.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from flashsale.inventory.domain.audit import Key, StockAudit, audit
from flashsale.inventory.ports import Commitments, InventoryRepository, OpenAllocations


class StockAuditing:
    def __init__(
        self,
        store: InventoryRepository,
        allocations: OpenAllocations,
        others: Sequence[Commitments] = (),
    ) -> None:
        self._store = store
        self._allocations = allocations
        self._others = others

    async def audit(self) -> StockAudit:
        # Allocations first: a level read after them has seen every allocation they count.
        open_allocations = await self._allocations.open_allocations()
        allotments = await self._store.allotments()
        others = [await other.committed_units() for other in self._others]
        levels = await self._store.stock_levels()
        ledger = await self._store.ledger_sums()
        live: dict[Key, int] = defaultdict(int)
        for allotment in allotments:
            live[allotment.location, allotment.sku] += allotment.remaining
        for held in others:
            for key, units in held.items():
                live[key] += units
        return audit(levels, ledger, open_allocations, {k: v for k, v in live.items() if v})
