"""``flashsale stock audit [--sku]``: every level explained by the ledger, the open fulfilment
orders, the live allotments and whatever else holds units (partners' pools), and every SKU's
units accounted for by the door they left by (inventory/domain/audit.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from flashsale.inventory.domain.audit import Key, StockAudit, audit
from flashsale.inventory.domain.doors import DoorCount
from flashsale.inventory.door_ports import DoorLedger
from flashsale.inventory.ports import Commitments, InventoryRepository, OpenAllocations


class StockAuditing:
    def __init__(
        self,
        store: InventoryRepository,
        allocations: OpenAllocations,
        others: Sequence[Commitments] = (),
    ) -> None:
        """``others``: the partners' pools; one that is also a ``DoorLedger`` tells the doors
        apart (the channels' ``PoolCommitments`` is both)."""
        self._store = store
        self._allocations = allocations
        self._others = others
        self._doors = [other for other in others if isinstance(other, DoorLedger)]

    async def audit(self, sku: str | None = None) -> StockAudit:
        """Everything, or one SKU's levels, moves and doors."""
        # Allocations first: a level read after them has seen every allocation they count.
        open_allocations = await self._allocations.open_allocations()
        allotments = await self._store.allotments()
        others = [await other.committed_units() for other in self._others]
        doors: list[DoorCount] | None = None
        if self._doors:
            doors = [c for ledger in self._doors for c in await ledger.door_counts(sku)]
        levels = await self._store.stock_levels(sku=sku)
        ledger = await self._store.ledger_sums()
        live: dict[Key, int] = defaultdict(int)
        pools: dict[Key, int] = defaultdict(int)
        for allotment in allotments:
            live[allotment.location, allotment.sku] += allotment.remaining
        for held in others:
            for key, units in held.items():
                live[key] += units
                pools[key] += units
        return audit(
            levels,
            ledger,
            open_allocations,
            {k: v for k, v in live.items() if v},
            pools={k: v for k, v in pools.items() if v},
            doors=doors,
            sku=sku,
        )
