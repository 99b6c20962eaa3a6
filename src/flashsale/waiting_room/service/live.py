"""What a sale's room looks like now: the room state's summary beside the sale's facts.

The room's loop refreshes each enforced sale's figures every tick, admitting whoever is due as
it does (``refresh(..., admit=True)``); every join, status read and stream reads them from here
(``of``), so a burst of requests costs the record nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from flashsale.kernel.clock import Clock
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import SaleRepository, StockGate
from flashsale.waiting_room.domain.room import RoomConfig, RoomSummary, SaleFacts
from flashsale.waiting_room.ports import RoomState

RESERVED_REFRESH_MS = 1000


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass
class Live:
    summary: RoomSummary
    facts: SaleFacts
    reserved_at: int = 0  # epoch ms of the last read of the reserved units


class LiveFigures:
    def __init__(
        self,
        sales: SaleRepository,
        gate: StockGate,
        clock: Clock,
        state: RoomState,
        tick_seconds: float,
    ) -> None:
        self._sales = sales
        self._gate = gate
        self._clock = clock
        self._state = state
        self._tick_seconds = tick_seconds
        self._live: dict[str, Live] = {}
        self._live_now: dict[str, tuple[Live, int, Live]] = {}  # (of which, at, the copy)
        self._refreshing: dict[str, asyncio.Future[Live]] = {}

    def forget(self, sale_id: str) -> None:
        self._live.pop(sale_id, None)
        self._live_now.pop(sale_id, None)

    async def refresh(self, sale: FlashSale, room: RoomConfig, *, admit: bool) -> Live:
        now = self._clock.now()
        now_ms = epoch_ms(now)
        stock_left = await self._gate.stock_left(sale.id)
        if stock_left is None:  # another process owns the gate and has not loaded it yet
            stock_left = sale.stock_total - sum(
                (await self._sales.held_by_customer(sale.id)).values()
            )
        previous = self._live.get(sale.id)
        # Units held by reservations change slowly and cost a store read: once a second.
        if previous is not None and now_ms - previous.reserved_at < RESERVED_REFRESH_MS:
            reserved, reserved_at = previous.facts.reserved, previous.reserved_at
        else:
            reserved, reserved_at = await self._sales.units_reserved(sale.id), now_ms
        is_open = sale.opens_at <= now < sale.closes_at
        if admit and is_open:
            summary = await self._state.admit(sale.id, room.settings, stock_left, now_ms)
        else:
            summary = await self._state.summary(sale.id, now_ms)
        facts = SaleFacts(now_ms, is_open, now >= sale.closes_at, stock_left, reserved)
        live = self._live[sale.id] = Live(summary, facts, reserved_at)
        return live

    async def of(self, sale: FlashSale, room: RoomConfig) -> Live:
        live = self._live.get(sale.id)
        now_ms = epoch_ms(self._clock.now())
        if live is None or now_ms - live.facts.now_ms > max(1000, 10_000 * self._tick_seconds):
            # One refresh for every caller that finds the figures stale: a burst of status
            # reads must not each read the store (that stampede grows slower than its period).
            pending = self._refreshing.get(sale.id)
            if pending is None:
                pending = asyncio.ensure_future(self.refresh(sale, room, admit=False))
                self._refreshing[sale.id] = pending
                pending.add_done_callback(lambda _: self._refreshing.pop(sale.id, None))
            return await asyncio.shield(pending)
        # The tick's figures, with this moment's clock (an admission may have lapsed since);
        # one copy per millisecond, built directly (dataclasses.replace cost a tenth of a join).
        source, at_ms, copy = self._live_now.get(sale.id, (None, 0, live))
        if source is not live or at_ms != now_ms:
            f = live.facts
            facts = SaleFacts(now_ms, f.open, f.closed, f.stock_left, f.reserved)
            copy = Live(live.summary, facts, live.reserved_at)
            self._live_now[sale.id] = (live, now_ms, copy)
        return copy
