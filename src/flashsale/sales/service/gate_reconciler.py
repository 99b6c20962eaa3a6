"""The gate drifts from the record; the reconciler brings it back, on its own, within seconds.

Drift is the record's units left (stock minus the sale's counter of live units) minus the
gate's. Positive: units the gate lost (taken by a process killed before it stored them, given
back into a gate that died, thrown away with a flushed gate); the sale would show sold out with
units left. Negative: units the gate believes in and the record has not (a Redis failed over to
a replica that had not seen the last takes, a rebuild while another process had units in
flight); the record refuses those buyers, so nothing is oversold, but the gate should not offer
them.

A single look cannot tell drift from a purchase in flight (taken from the gate, its commit not
back yet) or an expiry between its commit and its give-back. So the reconciler looks every
interval and heals a sale's drift only once the sale has been still for ``settle_seconds``:
every look over that time saw the same generation, the same units left in the gate and the same
drift. While buyers keep buying, units are always in flight and nothing is healed; that costs
nothing, since drift matters only when it is still there at rest: the gate run dry with units
stranded (no take moves it any more, so it heals seconds later), or a gate offering units that
the record refuses (each refusal uses one up; what is left over heals at rest). Were a heal
ever wrong, the record's check on every commit still refuses what the gate wrongly offers, and
the next still spell takes it back out. Units move with ``StockGate.adjust`` under the
generation the looks saw, so a rebuild in between is never healed on top of; each customer's
hold is set to what the record says in the same call.

One process of the fleet reconciles (``Leadership``): two healing the same drift would
overshoot, harmlessly but uselessly.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flashsale.kernel.clock import Clock
from flashsale.kernel.metrics import Metrics
from flashsale.platform.leadership import Leadership
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import GateLevel, SaleRepository, StockGate

ROLE = "gate-reconciler"
# Sales closed longer ago than this are left as they are: nothing sells there any more.
LINGER_AFTER_CLOSE = timedelta(days=1)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Look:
    at: datetime
    generation: int
    stock_left: int  # in the gate
    drift: int

    def same_as(self, other: _Look) -> bool:
        return (self.generation, self.stock_left, self.drift) == (
            other.generation,
            other.stock_left,
            other.drift,
        )


@dataclass(frozen=True, slots=True)
class Healed:
    sale_id: str
    units: int  # put into the gate (positive) or taken out of it (negative)
    holds: int  # customers whose hold in the gate was set to the record's


class GateReconciler:
    def __init__(
        self,
        store: SaleRepository,
        gate: StockGate,
        clock: Clock,
        metrics: Metrics,
        leadership: Leadership,
        *,
        settle_seconds: float,
    ) -> None:
        self._store = store
        self._gate = gate
        self._clock = clock
        self._metrics = metrics
        self._leadership = leadership
        self._settle = timedelta(seconds=settle_seconds)
        self._looks: dict[str, list[_Look]] = {}

    async def reconcile(self) -> list[Healed]:
        """One look at every live sale; heals the drift that has settled."""
        if not await self._leadership.leads(ROLE):
            self._looks.clear()  # a leader's looks only: another process may have healed
            return []
        now = self._clock.now()
        # Subtracted from now: a stored sale closing near the year 9999 cannot overflow it.
        sales = [s for s in await self._store.sales() if now - LINGER_AFTER_CLOSE < s.closes_at]
        ids = [sale.id for sale in sales]
        counted = await self._store.units_held(ids)  # the record first: see the module's doc
        levels = await self._gate.levels(ids)
        healed: list[Healed] = []
        total = 0
        for sale, level in zip(sales, levels, strict=True):
            if level is None or sale.id not in counted:
                self._looks.pop(sale.id, None)  # a gate to build, not to heal
                continue
            drift = sale.stock_total - counted[sale.id] - level.stock_left
            total += drift
            units = self._settled(sale.id, _Look(now, level.generation, level.stock_left, drift))
            if units:
                done = await self._heal(sale, level, units)
                if done is not None:
                    healed.append(done)
        self._metrics.gate_drift.set(total)
        for sale_id in self._looks.keys() - set(ids):
            del self._looks[sale_id]
        return healed

    def _settled(self, sale_id: str, look: _Look) -> int:
        """The drift to heal now: 0 unless the sale has been still for the settle time."""
        looks = self._looks.setdefault(sale_id, [])
        if looks and not looks[-1].same_as(look):
            looks.clear()  # it moved: the still spell starts again with this look
        looks.append(look)
        # The first look of the spell and the newest are all it takes to know both.
        del looks[1:-1]
        if look.at - looks[0].at < self._settle:
            return 0
        return look.drift

    async def _heal(self, sale: FlashSale, level: GateLevel, units: int) -> Healed | None:
        self._looks.pop(sale.id, None)  # looks after a heal start a new window
        record = await self._store.held_by_customer(sale.id)
        gate = await self._gate.holds(sale.id) or {}
        holds = {
            customer: record.get(customer, 0) - gate.get(customer, 0)
            for customer in record.keys() | gate.keys()
            if record.get(customer, 0) != gate.get(customer, 0)
        }
        moved = await self._gate.adjust(sale.id, level.generation, units, holds)
        if moved is None:  # rebuilt since the look: the rebuild counted from the record
            return None
        if moved:
            direction = "returned" if moved > 0 else "withdrawn"
            self._metrics.gate_drift_healed.labels(direction).inc(abs(moved))
            await self._store.add_gate_drift_healed(sale.id, moved)
        log.warning(
            "gate drift healed for sale %s: %+d units, %d customers' holds set to the record's",
            sale.id,
            moved,
            len(holds),
        )
        return Healed(sale.id, moved, len(holds))

    async def run_forever(self, interval_seconds: float) -> None:
        while True:
            try:
                await self.reconcile()
            except Exception:  # the drift waits, intact; the next look tries again
                log.exception("gate reconciliation failed")
            await asyncio.sleep(interval_seconds)
