"""What the inventory needs: its repository, and what it reads of sales and fulfilment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from flashsale.inventory.domain.allotment import Allotment
from flashsale.inventory.domain.audit import Key, LedgerSum
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import Move, StockChange, StockLevel


class InventoryRepository(Protocol):
    """Locations, the ledger with its levels, and allotments.

    Every write is one transaction: a move and its level change together, or neither.
    """

    async def add_location(self, location: Location) -> None:
        """Raises ``Conflict`` when the code is taken."""
        ...

    async def replace_location(self, location: Location) -> bool:
        """False (nothing stored) when there is no location of that code."""
        ...

    async def location(self, code: str) -> Location | None: ...

    async def locations(self, market_code: str | None = None) -> list[Location]:
        """By code."""
        ...

    async def record_changes(self, changes: Sequence[StockChange]) -> list[Move]:
        """Apply the changes in order, in one transaction: each writes its move (a count the
        difference it finds) and moves its level. Raises ``InsufficientOnHand`` and writes
        nothing when any would break the level's rules."""
        ...

    async def stock_levels(
        self, location: str | None = None, sku: str | None = None
    ) -> list[StockLevel]:
        """By (location, SKU)."""
        ...

    async def moves(self, location: str, sku: str | None = None, limit: int = 100) -> list[Move]:
        """The newest first."""
        ...

    async def put_allotments(
        self, sale_id: str, sku: str, quantities: Mapping[str, int]
    ) -> list[Allotment]:
        """Replace the sale's allotments (none drawn yet) by these, committing each at its
        location in one transaction. Raises ``AllotmentAboveFree`` (nothing written) when a
        location has less free than it is asked to commit beyond what it committed before,
        ``Conflict`` when some of the sale's allotment is drawn already."""
        ...

    async def allotments(self, sale_id: str | None = None) -> list[Allotment]:
        """By (sale, location)."""
        ...

    async def trim_allotments(self, sale_id: str, remaining: Mapping[str, int]) -> None:
        """The sale has ended: each allotment keeps ``remaining`` units committed (never more
        than it has), the rest is released to free stock, and it is closed."""
        ...

    async def ledger_sums(self) -> list[LedgerSum]:
        """Per (location, SKU, kind), the ledger's sums of on-hand and allocated changes."""
        ...


class Commitments(Protocol):
    """Units held at locations for someone other than a sale's allotment (a partner's pool):
    per (location, SKU), what they still hold. The audit adds them to the allotments'."""

    async def committed_units(self) -> Mapping[Key, int]: ...


class OpenAllocations(Protocol):
    """Fulfilment's side of the audit: units of open (allocated, picking, packed) fulfilment
    orders per (location, SKU)."""

    async def open_allocations(self) -> Mapping[Key, int]: ...
