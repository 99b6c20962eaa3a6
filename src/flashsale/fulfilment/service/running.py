"""The allocators of every market, run in the background: inside ``flashsale serve`` on the
embedded default, or in ``flashsale worker --fulfilment`` processes when scaled out.

Each market's allocator steps only while this process holds its role (``allocator:CN``); a
process that does not stands by and asks again at the next poll. While a flash sale sells the
allocator waits (``busy``), as order mail does: inside a server, on the purchases reaching it;
in a worker, on those the order event feed shows. Allocation is late by the burst's length,
purchases are not slowed.

The leader of a market also cuts its DCs' waves on their schedule (``cut_waves``,
``service/waves.py``'s ``WaveSchedule``), after its allocation step: the same role, so one
process of the fleet cuts a market's waves, and the same pause while a sale sells.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from flashsale.fulfilment.ports import SaleCatalogue, SaleUnits
from flashsale.fulfilment.service.allocator import DEFAULT_POLL_SECONDS, Allocated, Allocator
from flashsale.fulfilment.service.waves import Waves, WaveSchedule
from flashsale.platform.leadership import Leadership

log = logging.getLogger(__name__)
RELEASE_SECONDS = 60.0  # how often ended sales' allotments are looked at


class Allocators:
    def __init__(
        self,
        make: Callable[[str], Allocator],
        markets: Callable[[], Awaitable[list[str]]],
        leadership: Leadership,
        sales: SaleCatalogue,
        units: SaleUnits,
        *,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self._make = make
        self._markets = markets
        self._leadership = leadership
        self._sales = sales
        self._units = units
        self._busy = busy
        self.by_market: dict[str, Allocator] = {}
        self._released_at = float("-inf")
        self.wave_schedule: WaveSchedule | None = None

    def cut_waves(self, waves: Waves, every_minutes: float) -> None:
        """Cut a wave at each active DC of the markets this process leads every
        ``every_minutes`` (0: only when asked, by the API, the CLI or the console)."""
        interval = timedelta(minutes=every_minutes)
        self.wave_schedule = waves.every(interval) if every_minutes > 0 else None

    def of(self, market_code: str) -> Allocator:
        found = self.by_market.get(market_code)
        if found is None:
            found = self.by_market[market_code] = self._make(market_code)
        return found

    def stock_arrived(self) -> None:
        for allocator in self.by_market.values():
            allocator.stock_arrived()

    async def allocate_now(
        self, market_code: str | None = None, max_steps: int = 10_000
    ) -> Allocated:
        """Allocate until the feed is drained, whatever the leadership (the cursor's
        compare-and-set keeps a concurrent allocator from doing a batch twice)."""
        markets = [market_code] if market_code else await self._markets()
        total = Allocated()
        for code in markets:
            allocator = self.of(code)
            allocator.forget()
            allocator.stock_arrived()
            for _ in range(max_steps):
                done = await allocator.step()
                total += done
                if not done.events and not done.retried:
                    break
        return total

    async def release_ended_sales(self) -> int:
        total = 0
        for code in await self._markets():
            total += await self.of(code).release_closed_sales(self._sales, self._units)
        return total

    async def step(self) -> Allocated:
        """One step of every market this process leads."""
        total = Allocated()
        release = asyncio.get_running_loop().time() - self._released_at >= RELEASE_SECONDS
        for code in await self._markets():
            allocator = self.of(code)
            if not await self._leadership.leads(allocator.name):
                allocator.forget()  # the leader moves the cursor meanwhile
                continue
            done = await allocator.step()
            total += done
            if release and not done.events:
                await allocator.release_closed_sales(self._sales, self._units)
            if self.wave_schedule is not None:
                await self.wave_schedule.cut_due(code)
        if release:
            self._released_at = asyncio.get_running_loop().time()
        return total

    async def run_forever(self, poll_seconds: float = DEFAULT_POLL_SECONDS) -> None:
        while True:
            try:
                if self._busy():
                    await asyncio.sleep(poll_seconds)
                    continue
                done = await self.step()
            except Exception:  # the batch waits in the feed, intact; it is read again
                log.exception("allocation failed")
                for allocator in self.by_market.values():
                    allocator.forget()
                await asyncio.sleep(poll_seconds)
                continue
            if done.events or done.retried:
                await asyncio.sleep(0)  # more may wait: read on, letting others run between
            else:
                await asyncio.sleep(poll_seconds)
