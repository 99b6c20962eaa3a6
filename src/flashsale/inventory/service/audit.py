"""``flashsale stock audit``: every level explained by the ledger, the open fulfilment orders
and the live allotments (inventory/domain/audit.py)."""

from __future__ import annotations

from collections import defaultdict

from flashsale.inventory.domain.audit import Key, StockAudit, audit
from flashsale.inventory.ports import InventoryRepository, OpenAllocations


class StockAuditing:
    def __init__(self, store: InventoryRepository, allocations: OpenAllocations) -> None:
        self._store = store
        self._allocations = allocations

    async def audit(self) -> StockAudit:
        # Allocations first: a level read after them has seen every allocation they count.
        open_allocations = await self._allocations.open_allocations()
        allotments = await self._store.allotments()
        levels = await self._store.stock_levels()
        ledger = await self._store.ledger_sums()
        live: dict[Key, int] = defaultdict(int)
        for allotment in allotments:
            live[allotment.location, allotment.sku] += allotment.remaining
        return audit(levels, ledger, open_allocations, {k: v for k, v in live.items() if v})
