"""``PickupRepository`` in a Python process: a mixin of the composed memory store."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flashsale.stores.domain.pickup import Pickup, PickupStatus


class MemoryPickupRepository:
    def __init__(self) -> None:
        super().__init__()
        self._pickups: dict[str, Pickup] = {}

    async def pickup_add(self, pickup: Pickup) -> bool:
        if pickup.order_id in self._pickups:
            return False
        if await self.pickup_by_code(pickup.store, pickup.code) is not None:
            return False
        self._pickups[pickup.order_id] = pickup
        return True

    async def pickup_of_order(self, order_id: str) -> Pickup | None:
        return self._pickups.get(order_id)

    async def pickup_by_code(self, store: str, code: str) -> Pickup | None:
        for p in self._pickups.values():
            if p.store == store and p.code == code and p.status is PickupStatus.READY:
                return p
        return None

    async def pickup_close(
        self, order_id: str, to: PickupStatus, at: datetime, clerk: str | None
    ) -> Pickup | None:
        found = self._pickups.get(order_id)
        if found is None or found.status is not PickupStatus.READY:
            return None
        closed = replace(found, status=to, closed_at=at, clerk=clerk or found.clerk)
        self._pickups[order_id] = closed
        return closed

    async def pickups_due(self, at: datetime, limit: int) -> list[Pickup]:
        due = [
            p for p in self._pickups.values() if p.status is PickupStatus.READY and p.due_at <= at
        ]
        return sorted(due, key=lambda p: (p.due_at, p.order_id))[:limit]
