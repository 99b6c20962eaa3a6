"""Click & collect's record: the pickups set aside on stores' shelves."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flashsale.stores.domain.pickup import Pickup, PickupStatus


class PickupRepository(Protocol):
    async def pickup_add(self, pickup: Pickup) -> bool:
        """Store a ready pickup. False (nothing written) when the order has one already or the
        code is taken by another ready pickup of the store."""
        ...

    async def pickup_of_order(self, order_id: str) -> Pickup | None: ...

    async def pickup_by_code(self, store: str, code: str) -> Pickup | None:
        """The store's ready pickup with this code; None for any other (collected, expired)."""
        ...

    async def pickup_close(
        self, order_id: str, to: PickupStatus, at: datetime, clerk: str | None
    ) -> Pickup | None:
        """ready -> collected/expired, once: the pickup moved, None when it was not ready."""
        ...

    async def pickups_due(self, at: datetime, limit: int) -> list[Pickup]:
        """Ready pickups due by ``at``, the soonest first."""
        ...
