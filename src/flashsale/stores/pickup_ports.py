"""Click & collect's record: the pickups set aside on stores' shelves, and the pickups sent
to them from a DC (``domain/transfer.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from flashsale.fulfilment.domain.order import FulfilmentOrder
from flashsale.inventory.domain.stock import Move
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

    async def transfers_to(self, store: str, limit: int) -> list[FulfilmentOrder]:
        """The pickups of this store sent from a DC and not received yet (fulfilment orders
        of kind ``pickup``, picking or packed at a DC), the oldest paid first."""
        ...

    async def transfers_from(self, location: str, limit: int) -> list[tuple[str, FulfilmentOrder]]:
        """The transfers in transit from this location (a DC) with the store each goes to,
        the oldest paid first."""
        ...

    async def transfer_receive(
        self, fulfilment_order_id: str, store: str, moves: Sequence[Move], at: datetime
    ) -> FulfilmentOrder | None:
        """In one transaction, when the fulfilment order is still a transfer in transit to
        ``store`` (its order's pickup store): ``moves`` written to the ledger with their
        on-hand and allocated changes to the levels (the store's level made if it has none),
        and the order moved to the store, ``allocated``. None, writing nothing, otherwise;
        ``InsufficientOnHand`` (nothing written) when a level would break."""
        ...
