"""The waiting room in front of a sale: join, status, admission, fair order, and its proof.

A sale without room settings has an *open room*: nothing changes for it (``rooms``). A sale
with settings (``configure``) enforces admission: a purchase needs an admission token, which a
customer gets by joining the queue (``joining``) and waiting to be admitted (``admission``).

The background loop (``run_forever``, started by ``Shop.start``) does, for each enforced sale,
every ``tick_seconds``: at the opening, seal the pre-queue in the order of the committed seed and
publish it in the store (``draw``); then admit whoever is due (stock-aware, at the configured
rate; the room state makes this one decision across processes: ``live``); then push the new
standing to every subscriber of the live stream whose view changed (``streams``). Room settings
stored by another process are picked up every ``refresh_seconds``.

``WaitingRoom`` wires those parts, one per job, and is what the edges call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from flashsale.kernel.clock import Clock
from flashsale.kernel.keys import PROOF_OF_WORK, derive_key
from flashsale.sales.ports import SaleRepository, StockGate
from flashsale.sales.service.sale_directory import SaleDirectory
from flashsale.waiting_room.domain.room import RoomConfig, RoomSettings, RoomSummary
from flashsale.waiting_room.ports import RoomRepository, RoomState
from flashsale.waiting_room.service.admission import (
    Admissions,
    AdmissionTokens,
    Challenge,
    Challenges,
)
from flashsale.waiting_room.service.draw import Draw, FairnessReport
from flashsale.waiting_room.service.joining import Joining
from flashsale.waiting_room.service.live import LiveFigures
from flashsale.waiting_room.service.rate_limits import RateLimits
from flashsale.waiting_room.service.registrations import Registrations
from flashsale.waiting_room.service.rooms import Rooms
from flashsale.waiting_room.service.status import QueueStatus
from flashsale.waiting_room.service.streams import Streams, Subscription

__all__ = ["Challenge", "FairnessReport", "QueueStatus", "Subscription", "WaitingRoom"]

log = logging.getLogger(__name__)


class WaitingRoom:
    def __init__(
        self,
        rooms: RoomRepository,
        sales: SaleRepository,
        gate: StockGate,
        clock: Clock,
        directory: SaleDirectory,
        state: RoomState,
        admission_key: str,
        *,
        proof_of_work_key: str | None = None,
        tick_seconds: float = 0.1,
        refresh_seconds: float = 2.0,
    ) -> None:
        self._clock = clock
        self._directory = directory
        self._state = state
        self._tick_seconds = tick_seconds
        tokens = AdmissionTokens(admission_key)
        # Given one key, the challenges still get their own: one derived from it.
        challenges = Challenges(proof_of_work_key or derive_key(admission_key, PROOF_OF_WORK))
        limits = RateLimits(state.limiter)
        self._rooms = Rooms(rooms, sales, clock, directory, refresh_seconds)
        self._live = LiveFigures(sales, gate, clock, state, tick_seconds)
        self._registrations = Registrations(rooms, sales, clock, directory)
        self._admissions = Admissions(self._rooms, state, limits, clock, tokens, challenges)
        self._joining = Joining(
            self._rooms,
            state,
            limits,
            self._registrations,
            self._live,
            self._admissions,
            tokens,
            clock,
        )
        self._draw = Draw(rooms, gate, clock, directory, state)
        self._streams = Streams(self._rooms, state, self._live, tokens)

    @property
    def state(self) -> RoomState:
        return self._state

    # -- settings ---------------------------------------------------------------------------

    async def load(self) -> None:
        """Learn which sales enforce a room (at start, then every refresh)."""
        await self._rooms.load()

    async def configure(self, sale_id: str, settings: RoomSettings) -> RoomConfig:
        """Enforce a room for the sale, or change its settings; the seed is drawn once."""
        return await self._rooms.configure(sale_id, settings)

    def is_open(self, sale_id: str) -> bool:
        """True when the sale is known to need no admission: the purchase path's fast check."""
        return self._rooms.is_open(sale_id)

    async def room_of(self, sale_id: str) -> RoomConfig | None:
        return await self._rooms.room_of(sale_id)

    async def summary(self, sale_id: str, now: datetime) -> RoomSummary:
        """The line as it stands: waiting, admitted so far, joined in all."""
        return await self._state.summary(sale_id, int(now.timestamp() * 1000))

    async def close(self) -> None:
        await self._registrations.close()
        await self._state.close()

    # -- customers ----------------------------------------------------------------------------

    async def challenge(self, sale_id: str, customer_id: str) -> Challenge:
        return await self._admissions.challenge(sale_id, customer_id)

    async def join(
        self,
        sale_id: str,
        customer_id: str,
        address: str,
        proof: tuple[str, str] | None = None,
    ) -> tuple[QueueStatus, bool]:
        """Queue the customer; also returns True when they were not in line before."""
        return await self._joining.join(sale_id, customer_id, address, proof)

    async def status(self, sale_id: str, customer_id: str, address: str) -> QueueStatus:
        return await self._joining.status(sale_id, customer_id, address)

    def subscribe(
        self, sale_id: str, customer_id: str
    ) -> contextlib.AbstractAsyncContextManager[Subscription]:
        """The customer's live status, for as long as the context is open."""
        return self._streams.subscribe(sale_id, customer_id)

    async def admit_purchase(
        self,
        sale_id: str,
        customer_id: str,
        token: str | None,
        address: str,
        idempotency_key: str | None,
    ) -> None:
        """Let a purchase through the room, or raise its refusal."""
        await self._admissions.admit_purchase(sale_id, customer_id, token, address, idempotency_key)

    async def fairness(self, sale_id: str, *, reveal: bool | None = None) -> FairnessReport:
        """The commitment, the published pre-queue, and once revealed the check of both."""
        return await self._draw.fairness(sale_id, reveal=reveal)

    # -- the background loop ------------------------------------------------------------------

    async def run_forever(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the next tick tries again; the room's state is intact
                log.exception("waiting-room tick failed")
            await asyncio.sleep(self._tick_seconds)

    async def tick(self) -> None:
        if self._rooms.stale():
            await self._rooms.load()
        for sale_id, room in self._rooms.enforced():
            sale = await self._directory.get(sale_id)
            now = self._clock.now()
            if now >= sale.closes_at and not self._streams.watched(sale_id):
                self._live.forget(sale_id)
                self._registrations.forget(sale_id)
                continue
            if now >= sale.opens_at and room.sealed_at is None:
                room = await self._draw.seal(sale, room)
                self._rooms.update(room)
            live = await self._live.refresh(sale, room, admit=True)
            await self._streams.notify(room, live)
