"""``PickupRepository`` in a Python process: a mixin of the composed memory store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus
from flashsale.inventory.domain.stock import Move, StockLevel
from flashsale.orders.domain.delivery import Delivery
from flashsale.stores.domain.pickup import Pickup, PickupStatus
from flashsale.stores.domain.transfer import in_transit


class MemoryPickupRepository:
    # The rest of the record, kept by the other memory repositories of the composed store.
    _fulfilment: dict[str, FulfilmentOrder]
    _order_deliveries: dict[str, Delivery]
    _levels: dict[tuple[str, str], StockLevel]
    _append_moves: Callable[[Sequence[Move]], None]

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

    def _sent_to(self, fo: FulfilmentOrder, store: str) -> bool:
        delivery = self._order_deliveries.get(fo.source_id)
        return (
            in_transit(fo)
            and fo.location != store
            and delivery is not None
            and delivery.pickup_store == store
        )

    async def transfers_to(self, store: str, limit: int) -> list[FulfilmentOrder]:
        found = [fo for fo in self._fulfilment.values() if self._sent_to(fo, store)]
        return sorted(found, key=lambda fo: (fo.paid_at, fo.id))[:limit]

    async def transfers_from(self, location: str, limit: int) -> list[tuple[str, FulfilmentOrder]]:
        found = []
        for fo in self._fulfilment.values():
            delivery = self._order_deliveries.get(fo.source_id)
            store = delivery.pickup_store if delivery is not None else None
            if fo.location == location and store is not None and self._sent_to(fo, store):
                found.append((store, fo))
        found.sort(key=lambda pair: (pair[1].paid_at, pair[1].id))
        return found[:limit]

    async def transfer_receive(
        self, fulfilment_order_id: str, store: str, moves: Sequence[Move], at: datetime
    ) -> FulfilmentOrder | None:
        fo = self._fulfilment.get(fulfilment_order_id)
        if fo is None or not self._sent_to(fo, store):
            return None
        after: dict[tuple[str, str], StockLevel] = {}
        for move in moves:  # every level checked before any is changed
            key = (move.location, move.sku)
            level = after.get(key) or self._levels.get(key) or StockLevel(*key)
            after[key] = level.changed(on_hand=move.on_hand_change, allocated=move.allocated_change)
        self._levels.update(after)
        self._append_moves(moves)
        moved = replace(fo, status=FulfilmentStatus.ALLOCATED, location=store, updated_at=at)
        self._fulfilment[fo.id] = moved
        return moved
