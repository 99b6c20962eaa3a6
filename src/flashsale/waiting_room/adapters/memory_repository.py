"""``RoomRepository`` in a Python process (``record/memory_store.py`` composes it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from flashsale.kernel.errors import Conflict, InvalidInput
from flashsale.sales.domain.sale import FlashSale
from flashsale.waiting_room.domain.room import RoomConfig


class MemoryRoomRepository:
    """Rooms and their published pre-queues; a room's sale and its registrations are the
    sales' side of the record, which the composed store shares with this repository
    (``MemorySaleRepository``), as the SQL repository reads the sales' tables."""

    # The sales' side of the record, kept by MemorySaleRepository in the composed store.
    _sales: dict[str, FlashSale]
    _registrations: dict[str, dict[str, datetime]]

    def __init__(self) -> None:
        super().__init__()
        self._rooms: dict[str, RoomConfig] = {}
        self._queue_positions: dict[str, list[str]] = {}

    async def put_room(self, room: RoomConfig) -> None:
        if room.sale_id not in self._sales:
            raise Conflict(f"no sale {room.sale_id}")
        known = self._rooms.get(room.sale_id)
        if known is not None:
            room = replace(known, settings=room.settings)
        self._rooms[room.sale_id] = room

    async def room(self, sale_id: str) -> RoomConfig | None:
        return self._rooms.get(sale_id)

    async def rooms(self) -> list[RoomConfig]:
        return sorted(self._rooms.values(), key=lambda r: r.sale_id)

    async def publish_queue(self, sale_id: str, customer_ids: Sequence[str], at: datetime) -> bool:
        room = self._rooms.get(sale_id)
        if room is None:
            raise InvalidInput(f"sale {sale_id} has no waiting room")
        if sale_id in self._queue_positions:
            return False
        if len(set(customer_ids)) != len(customer_ids):
            raise Conflict("a customer holds one position")
        self._queue_positions[sale_id] = list(customer_ids)
        self._rooms[sale_id] = replace(room, sealed_at=at)
        return True

    async def queue_positions(self, sale_id: str) -> list[tuple[str, int]]:
        order = self._queue_positions.get(sale_id, [])
        return [(customer, i) for i, customer in enumerate(order, start=1)]

    async def registered_among(self, sale_id: str, customer_ids: Sequence[str]) -> set[str]:
        registered = self._registrations.get(sale_id, {})
        return {c for c in customer_ids if c in registered}
