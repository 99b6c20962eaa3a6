"""What the stock audit asks of the doors (inventory/domain/doors.py): which door each unit that
left, or came back, went through. The channels provide it (they keep the doors); the audit
falls back to one door for every unit where no one does."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from flashsale.inventory.domain.doors import DoorCount


@runtime_checkable
class DoorLedger(Protocol):
    async def door_counts(self, sku: str | None = None) -> list[DoorCount]:
        """Per SKU (this one, or every one) and door: units shipped and units returned."""
        ...
