"""``ShipmentRepository`` in a Python process: it moves the memory fulfilment repository's
orders, the inventory's levels and ledger, and appends to the orders' feed, all or nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.fulfilment.domain.order import ORDER_SOURCES, FulfilmentOrder, FulfilmentStatus
from flashsale.fulfilment.domain.shipments import Shipment
from flashsale.fulfilment.errors import InvalidTransition
from flashsale.inventory.domain.stock import Move, MoveKind, StockLevel
from flashsale.kernel.errors import NotFound
from flashsale.orders.domain.events import OrderEventKind


class MemoryShipmentRepository:
    # The rest of the record, kept by the other memory repositories of the composed store.
    _fulfilment: dict[str, FulfilmentOrder]
    _levels: dict[tuple[str, str], StockLevel]
    _level: Callable[[str, str], StockLevel]  # the inventory's
    _append_moves: Callable[[Sequence[Move]], None]  # the inventory's
    _event: Callable[..., None]  # the orders' feed: (order_id, kind, at, actor, data)

    def __init__(self) -> None:
        super().__init__()
        self._shipments: dict[str, Shipment] = {}

    async def ship(
        self,
        shipments: Sequence[Shipment],
        expected: frozenset[FulfilmentStatus],
        reference: str,
        actor: str,
    ) -> list[FulfilmentOrder]:
        if not shipments:
            return []
        at = shipments[0].shipped_at
        for shipment in shipments:
            current = self._fulfilment.get(shipment.fulfilment_order_id)
            if current is None:
                raise NotFound(f"no fulfilment order {shipment.fulfilment_order_id[:64]}")
            if current.status not in expected:
                raise InvalidTransition(
                    f"fulfilment order {current.id} is {current.status}: it cannot be shipped"
                    f" (it must be {' or '.join(sorted(expected))})"
                )
        units: dict[tuple[str, str], int] = defaultdict(int)
        for shipment in shipments:
            units[shipment.location, shipment.sku] += shipment.quantity
        levels = {
            key: self._level(*key).changed(on_hand=-quantity, allocated=-quantity)
            for key, quantity in sorted(units.items())
        }  # raises InsufficientOnHand before anything is kept
        self._levels.update(levels)
        self._append_moves(
            [
                Move(loc, sku, MoveKind.SHIP, -q, -q, reference, actor, at)
                for (loc, sku), q in sorted(units.items())
            ]
        )
        moved = []
        for shipment in shipments:
            fo = self._fulfilment[shipment.fulfilment_order_id]
            fo = replace(fo, status=FulfilmentStatus.SHIPPED, updated_at=at)
            self._fulfilment[fo.id] = fo
            moved.append(fo)
            self._shipments[fo.id] = shipment
            if fo.source_kind in ORDER_SOURCES:
                self._event(
                    shipment.order_id, OrderEventKind.SHIPPED, at, actor, shipment.event_data()
                )
        return moved

    async def deliver(
        self, fulfilment_order_ids: Sequence[str], at: datetime, actor: str
    ) -> list[Shipment]:
        delivered = []
        for fo_id in dict.fromkeys(fulfilment_order_ids):
            fo = self._fulfilment.get(fo_id)
            if fo is None or fo.status is not FulfilmentStatus.SHIPPED:
                continue
            self._fulfilment[fo_id] = replace(fo, status=FulfilmentStatus.DELIVERED, updated_at=at)
            shipment = replace(self._shipments[fo_id], delivered_at=at)
            self._shipments[fo_id] = shipment
            delivered.append(shipment)
            if fo.source_kind not in ORDER_SOURCES:
                continue
            self._event(
                shipment.order_id,
                OrderEventKind.DELIVERED,
                at,
                actor,
                {"fulfilment_order_id": fo_id},
            )
        return delivered

    async def shipments_of(self, order_ids: Sequence[str]) -> list[Shipment]:
        wanted = set(order_ids)
        return sorted(
            (x for x in self._shipments.values() if x.order_id in wanted),
            key=lambda x: (x.order_id, x.shipped_at, x.fulfilment_order_id),
        )

    async def shipments_due(self, at: datetime, limit: int) -> list[Shipment]:
        due = [x for x in self._shipments.values() if x.delivered_at is None and x.due_at <= at]
        due.sort(key=lambda x: (x.due_at, x.fulfilment_order_id))
        return due[:limit]
