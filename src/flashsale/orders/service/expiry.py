"""Unpaid reservations go back on sale when their payment window passes.

The store's status-guarded transition (reserved -> expired) decides which sweeper returns an
order's units, so any number of sweepers may run and each unit comes back exactly once; the gate
generation read before that transition keeps a rebuild in between from counting them twice
(``returns``).
"""

from __future__ import annotations

import asyncio
import logging

from flashsale.kernel.clock import Clock
from flashsale.kernel.metrics import Metrics
from flashsale.orders.domain.order import OrderStatus
from flashsale.orders.ports import OrderRepository, UnitReturns
from flashsale.orders.service.stock_release import close_giving_back

log = logging.getLogger(__name__)


class ExpirySweeper:
    def __init__(
        self,
        store: OrderRepository,
        gate: UnitReturns,
        clock: Clock,
        metrics: Metrics,
        batch: int = 1000,
    ) -> None:
        self._store = store
        self._gate = gate
        self._clock = clock
        self._metrics = metrics
        self._batch = batch

    async def sweep(self) -> int:
        """Expire every order that is due now; returns how many this sweeper expired."""
        total = 0
        while True:
            now = self._clock.now()
            due = await self._store.due_for_expiry(now, self._batch)
            if not due:
                return total
            # The generations of the due orders' sales are read before the orders close.
            order_ids = [order_id for order_id, _ in due]
            sale_ids = [sale_id for _, sale_id in due]
            expired = await close_giving_back(
                self._store, self._gate, order_ids, sale_ids, OrderStatus.EXPIRED, now
            )
            self._metrics.orders_expired.inc(len(expired))
            total += len(expired)
            if len(due) < self._batch:
                return total

    async def run_forever(self, interval_seconds: float) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # a failed sweep is retried next tick; the orders wait, intact
                log.exception("expiry sweep failed")
            await asyncio.sleep(interval_seconds)
