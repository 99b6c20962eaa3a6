"""Which sales enforce a waiting room, and with which settings.

A sale without room settings has an *open room*: nothing changes for it, and the purchase path
pays one set lookup (``is_open``). A sale with settings (``configure``) enforces admission.
This process keeps both kinds in memory: room settings stored by another process are picked up
at every ``load`` (the room's loop calls it every ``refresh_seconds``); a sale this process has
not seen is looked up once when first asked about.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace

from flashsale.kernel.clock import Clock
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import SaleRepository
from flashsale.sales.service.sale_directory import SaleDirectory
from flashsale.waiting_room.domain import fairness
from flashsale.waiting_room.domain.errors import NoWaitingRoom
from flashsale.waiting_room.domain.room import RoomConfig, RoomSettings
from flashsale.waiting_room.ports import RoomRepository


class Rooms:
    def __init__(
        self,
        rooms: RoomRepository,
        sales: SaleRepository,
        clock: Clock,
        directory: SaleDirectory,
        refresh_seconds: float,
    ) -> None:
        self._rooms = rooms
        self._sales = sales
        self._clock = clock
        self._directory = directory
        self._refresh_seconds = refresh_seconds
        self._enforced: dict[str, RoomConfig] = {}
        self._open: set[str] = set()  # sales known to have no room settings
        self._refreshed_at = 0.0

    async def load(self) -> None:
        """Learn which sales enforce a room."""
        rooms = {room.sale_id: room for room in await self._rooms.rooms()}
        sales = await self._sales.sales()
        self._enforced = rooms
        self._open = {sale.id for sale in sales if sale.id not in rooms}
        self._refreshed_at = time.monotonic()

    def stale(self) -> bool:
        """True when ``load`` is due again."""
        return time.monotonic() - self._refreshed_at >= self._refresh_seconds

    def enforced(self) -> list[tuple[str, RoomConfig]]:
        return list(self._enforced.items())

    def update(self, room: RoomConfig) -> None:
        """Keep a room as the record holds it now (sealed, say)."""
        self._enforced[room.sale_id] = room

    async def configure(self, sale_id: str, settings: RoomSettings) -> RoomConfig:
        """Enforce a room for the sale, or change its settings; the seed is drawn once."""
        await self._directory.get(sale_id)
        known = await self._rooms.room(sale_id)
        if known is None:
            seed = secrets.token_bytes(fairness.SEED_BYTES)
            room = RoomConfig(sale_id, settings, seed, fairness.commitment(seed), self._clock.now())
        else:
            room = replace(known, settings=settings)
        await self._rooms.put_room(room)
        self._enforced[sale_id] = room
        self._open.discard(sale_id)
        return room

    def is_open(self, sale_id: str) -> bool:
        """True when the sale is known to need no admission: the purchase path's fast check."""
        return sale_id in self._open

    async def room_of(self, sale_id: str) -> RoomConfig | None:
        room = self._enforced.get(sale_id)
        if room is not None or sale_id in self._open:
            return room
        room = await self._rooms.room(sale_id)
        if room is not None:
            self._enforced[sale_id] = room
        elif await self._sales.sale(sale_id) is not None:
            self._open.add(sale_id)  # only real sales: unknown ids must not grow the set
        return room

    async def require(self, sale_id: str) -> tuple[FlashSale, RoomConfig]:
        """The sale and its room; NoWaitingRoom when its room is open."""
        # Both from this process's caches when it has them: no await on a join's hot path.
        sale = self._directory.ready(sale_id) or await self._directory.get(sale_id)
        room = self._enforced.get(sale_id) or await self.room_of(sale_id)
        if room is None:
            raise NoWaitingRoom(f"sale {sale_id} has an open room: no queue, buy directly")
        return sale, room
