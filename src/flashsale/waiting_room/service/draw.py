"""The fair draw: the pre-queue sealed in the order of the committed seed, and its proof.

At the opening the room's loop seals the pre-queue (one process wins) and publishes that order
in the record. The report (``fairness``) shows that order by the customers' per-sale
pseudonyms, never their ids; the seed is revealed once the sale is over: closed, or sold out.
"""

from __future__ import annotations

from dataclasses import dataclass

from flashsale.kernel.clock import Clock
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import StockGate
from flashsale.sales.service.sale_directory import SaleDirectory
from flashsale.waiting_room.domain import fairness
from flashsale.waiting_room.domain.errors import NoWaitingRoom
from flashsale.waiting_room.domain.room import RoomConfig
from flashsale.waiting_room.ports import RoomRepository, RoomState

SEAL_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class FairnessEntry:
    """One customer's line in the published pre-queue: position None if they were not in it."""

    pseudonym: str
    position: int | None


@dataclass(frozen=True, slots=True)
class FairnessReport:
    room: RoomConfig
    revealed: bool
    positions: list[tuple[str, int]]  # (pseudonym, position), in position order
    verification: fairness.Verification | None  # None until the seed is revealed

    def entry_of(self, customer_id: str) -> FairnessEntry:
        """The customer's pseudonym in this sale and, if they were in the pre-queue, its place."""
        mine = fairness.pseudonym(self.room.seed, customer_id)
        found = (position for name, position in self.positions if name == mine)
        return FairnessEntry(mine, next(found, None))


class Draw:
    def __init__(
        self,
        rooms: RoomRepository,
        gate: StockGate,
        clock: Clock,
        directory: SaleDirectory,
        state: RoomState,
    ) -> None:
        self._rooms = rooms
        self._gate = gate
        self._clock = clock
        self._directory = directory
        self._state = state

    async def seal(self, sale: FlashSale, room: RoomConfig) -> RoomConfig:
        """Seal the pre-queue in its fair order (one process wins), then publish that order;
        returns the room as the record holds it now."""
        for _ in range(SEAL_ATTEMPTS):
            arrivals = await self._state.pre_queue(sale.id)
            if room.settings.shuffle_pre_queue:
                order = fairness.shuffled(room.seed, (c for c, _ in arrivals))
            else:
                order = [c for c, _ in sorted(arrivals, key=lambda a: a[1])]
            if await self._state.seal(sale.id, order) >= 0:
                break
        published = await self._state.sealed_order(sale.id)
        await self._rooms.publish_queue(sale.id, published, self._clock.now())
        stored = await self._rooms.room(sale.id)
        return stored or room

    async def fairness(self, sale_id: str, *, reveal: bool | None = None) -> FairnessReport:
        """The commitment, the published pre-queue, and once revealed the check of both.

        ``reveal`` None reveals when the sale is over (closed or sold out); the operator's CLI
        passes True: it reads the seed from the database anyway.
        """
        sale = await self._directory.get(sale_id)
        room = await self._rooms.room(sale_id)
        if room is None:
            raise NoWaitingRoom(f"sale {sale_id} has no waiting room")
        if reveal is None:
            now = self._clock.now()
            stock_left = await self._gate.stock_left(sale_id)
            reveal = now >= sale.closes_at or (now >= sale.opens_at and stock_left == 0)
        stored = await self._rooms.queue_positions(sale_id)
        names = fairness.pseudonyms(room.seed, (c for c, _ in stored))
        positions = [(names[c], position) for c, position in stored]
        verification = None
        if reveal:
            verification = fairness.verify(room.seed, room.commitment, positions)
        return FairnessReport(room, reveal, positions, verification)
