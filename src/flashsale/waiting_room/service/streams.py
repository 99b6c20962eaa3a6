"""Live streams of a customer's status: pushed by the room's loop whenever their view changes.

Sold out is therefore seen by every waiting stream within one tick.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator

from flashsale.waiting_room.domain.room import Place, RoomConfig, RoomSummary, Standing
from flashsale.waiting_room.ports import RoomState
from flashsale.waiting_room.service.admission import AdmissionTokens
from flashsale.waiting_room.service.live import Live, LiveFigures
from flashsale.waiting_room.service.rooms import Rooms
from flashsale.waiting_room.service.status import QueueStatus, status_of


class Subscription:
    """One live stream's latest status; a newer status replaces one not yet read."""

    def __init__(self, sale_id: str, customer_id: str) -> None:
        self.sale_id = sale_id
        self.customer_id = customer_id
        self.standing = Standing()
        self.last: QueueStatus | None = None
        self._pending: QueueStatus | None = None
        self._changed = asyncio.Event()

    def offer(self, status: QueueStatus) -> None:
        if status != self.last:
            self.last = self._pending = status
            self._changed.set()

    async def next(self, wait_seconds: float) -> QueueStatus | None:
        """The next changed status, or None after ``wait_seconds`` without one."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), wait_seconds)
        self._changed.clear()
        status, self._pending = self._pending, None
        return status

    def needs_standing(self, summary: RoomSummary) -> bool:
        s = self.standing
        if s.place is Place.ABSENT or s.position is None:
            return True
        # Admitted since, or admitted and maybe bought since (at most stock-many such streams).
        return s.position <= summary.cursor and not s.used


class Streams:
    def __init__(
        self, rooms: Rooms, state: RoomState, live: LiveFigures, tokens: AdmissionTokens
    ) -> None:
        self._rooms = rooms
        self._state = state
        self._live = live
        self._tokens = tokens
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)

    def watched(self, sale_id: str) -> bool:
        """True while a stream of the sale is open."""
        return sale_id in self._subscribers

    @contextlib.asynccontextmanager
    async def subscribe(self, sale_id: str, customer_id: str) -> AsyncIterator[Subscription]:
        sale, room = await self._rooms.require(sale_id)
        subscription = Subscription(sale_id, customer_id)
        live = await self._live.of(sale, room)
        (subscription.standing,) = await self._state.standings(
            sale_id, [customer_id], live.facts.now_ms
        )
        subscription.offer(status_of(self._tokens, room, customer_id, subscription.standing, live))
        self._subscribers[sale_id].add(subscription)
        try:
            yield subscription
        finally:
            subscribers = self._subscribers.get(sale_id)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscribers[sale_id]

    async def notify(self, room: RoomConfig, live: Live) -> None:
        subscribers = list(self._subscribers.get(room.sale_id, ()))
        if not subscribers:
            return
        stale = [s for s in subscribers if s.needs_standing(live.summary)]
        if stale:
            # One batched read for every stream whose place may have changed.
            customers = [s.customer_id for s in stale]
            standings = await self._state.standings(room.sale_id, customers, live.facts.now_ms)
            for subscription, standing in zip(stale, standings, strict=True):
                subscription.standing = standing
        for subscription in subscribers:
            subscription.offer(
                status_of(self._tokens, room, subscription.customer_id, subscription.standing, live)
            )
