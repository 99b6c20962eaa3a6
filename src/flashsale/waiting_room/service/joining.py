"""Joining a sale's queue, and reading one's place in it."""

from __future__ import annotations

from datetime import datetime

from flashsale.kernel.clock import Clock
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.errors import NotRegistered, SaleClosed
from flashsale.waiting_room.domain.room import RoomSettings
from flashsale.waiting_room.ports import Entry, RoomState, Verdict
from flashsale.waiting_room.service.admission import Admissions, AdmissionTokens
from flashsale.waiting_room.service.live import LiveFigures, epoch_ms
from flashsale.waiting_room.service.rate_limits import RateLimits
from flashsale.waiting_room.service.registrations import Registrations
from flashsale.waiting_room.service.rooms import Rooms
from flashsale.waiting_room.service.status import QueueStatus, status_of


class Joining:
    def __init__(
        self,
        rooms: Rooms,
        state: RoomState,
        limits: RateLimits,
        registrations: Registrations,
        live: LiveFigures,
        admissions: Admissions,
        tokens: AdmissionTokens,
        clock: Clock,
    ) -> None:
        self._rooms = rooms
        self._state = state
        self._limits = limits
        self._registrations = registrations
        self._live = live
        self._admissions = admissions
        self._tokens = tokens
        self._clock = clock

    async def join(
        self,
        sale_id: str,
        customer_id: str,
        address: str,
        proof: tuple[str, str] | None = None,
    ) -> tuple[QueueStatus, bool]:
        """Queue the customer; also returns True when they were not in line before.

        The checks come in this order: rate limits, the sale still open, the proof of work,
        the registration, the address's registration cap. All but the local ones are one call
        of the room state (one script in Redis, reading the gate's registrations). A
        registration neither this process nor the state can confirm costs a read of the record
        and a second call (``Registrations``).
        """
        sale, room = await self._rooms.require(sale_id)
        settings = room.settings
        now = self._clock.now()
        now_ms = epoch_ms(now)
        refusal = self._refusal(sale, settings, customer_id, now, proof)
        if refusal is not None:
            # Still rate-limited first: a flood of bad proofs is told to slow down.
            await self._limits.check(sale_id, customer_id, address, settings, now_ms)
            raise refusal
        limits = self._limits
        cap = limits.cap(address, settings)
        known = self._registrations.known(sale_id, customer_id)
        entry = Entry(customer_id, limits.buckets(customer_id, address, settings), cap, known)
        before = now < sale.opens_at
        (entered,) = await self._state.enter_checked(
            sale_id, [entry], before_opening=before, now_ms=now_ms
        )
        if entered.verdict is Verdict.UNCONFIRMED:
            if not await self._registrations.confirm(sale_id, customer_id):
                raise NotRegistered("register for the sale before joining its queue")
            (entered,) = await self._state.enter_checked(
                sale_id,
                [Entry(customer_id, (), cap, registered=True)],
                before_opening=before,
                now_ms=now_ms,
            )
        if entered.verdict is Verdict.LIMITED:
            raise limits.too_many(entered.wait_ms)
        if entered.verdict is Verdict.CAP_REACHED:
            raise limits.cap_reached(settings)
        live = await self._live.of(sale, room)
        return status_of(self._tokens, room, customer_id, entered.standing, live), entered.new

    def _refusal(
        self,
        sale: FlashSale,
        settings: RoomSettings,
        customer_id: str,
        now: datetime,
        proof: tuple[str, str] | None,
    ) -> Exception | None:
        """Why a join is refused before it reaches the room state, if it is."""
        if now >= sale.closes_at:
            return SaleClosed(f"the sale closed at {sale.closes_at.isoformat()}")
        return self._admissions.proof_refusal(sale.id, customer_id, settings.pow_difficulty, proof)

    async def status(self, sale_id: str, customer_id: str, address: str) -> QueueStatus:
        sale, room = await self._rooms.require(sale_id)
        live = await self._live.of(sale, room)
        buckets = self._limits.buckets(customer_id, address, room.settings)
        ((wait_ms, standing),) = await self._state.standings_checked(
            sale_id, [(customer_id, buckets)], live.facts.now_ms
        )
        if wait_ms:
            raise self._limits.too_many(wait_ms)
        return status_of(self._tokens, room, customer_id, standing, live)
