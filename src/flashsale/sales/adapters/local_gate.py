"""The in-process stock gate of the embedded default.

One event loop owns it and ``take_stamped`` never awaits, so every batch is decided atomically
without a lock. Each decision is ``flashsale.sales.domain.purchase.decide``, the rule every gate
shares. Generations come from one counter per gate, so no two loads of any sale share one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flashsale.kernel.units import HeldUnits
from flashsale.sales.domain.closing import closed_early
from flashsale.sales.domain.purchase import PurchaseRequest, Refusal, decide
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import GateLevel, GateNotLoaded


@dataclass(slots=True)
class _SaleGate:
    sale: FlashSale
    stock_left: int
    generation: int
    held: dict[str, int] = field(default_factory=dict)
    registered: set[str] = field(default_factory=set)


class LocalStockGate:
    def __init__(self) -> None:
        self._sales: dict[str, _SaleGate] = {}
        self._generations = itertools.count(1)

    async def load(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
    ) -> None:
        held = {customer: units for customer, units in held_by_customer.items() if units > 0}
        self._sales[sale.id] = _SaleGate(
            sale=sale,
            stock_left=sale.stock_total - sum(held.values()),
            generation=next(self._generations),
            held=held,
            registered=set(registered),
        )

    async def load_if_absent(
        self,
        sale: FlashSale,
        held_by_customer: Mapping[str, int],
        registered: Iterable[str],
    ) -> bool:
        if sale.id in self._sales:
            return False
        await self.load(sale, held_by_customer, registered)
        return True

    async def is_loaded(self, sale_id: str) -> bool:
        return sale_id in self._sales

    async def register(self, sale_id: str, customer_ids: Sequence[str]) -> None:
        self._sales[sale_id].registered.update(customer_ids)

    async def take_stamped(
        self, requests: Sequence[PurchaseRequest], now: datetime, *, in_order: bool = True
    ) -> list[Refusal | int | GateNotLoaded]:
        stamped: list[Refusal | int | GateNotLoaded] = []
        for request in requests:
            gate = self._sales.get(request.sale_id)
            if gate is None:
                stamped.append(GateNotLoaded(request.sale_id))
                continue
            refusal = _take_one(gate, request, now)
            stamped.append(gate.generation if refusal is None else refusal)
        return stamped

    async def give_back(self, returns: Sequence[tuple[HeldUnits, int]]) -> None:
        self._return(returns, with_units=True)

    async def release_holds(self, returns: Sequence[tuple[HeldUnits, int]]) -> None:
        self._return(returns, with_units=False)

    def _return(self, returns: Sequence[tuple[HeldUnits, int]], *, with_units: bool) -> None:
        for request, generation in returns:
            gate = self._sales.get(request.sale_id)
            if gate is None or gate.generation != generation:
                continue  # a load since counted these units from the store (or will)
            # Never below zero, so a duplicate or late return cannot mint stock.
            returned = _lower(gate.held, request.customer_id, request.quantity)
            if with_units:
                gate.stock_left += returned

    async def levels(self, sale_ids: Sequence[str]) -> list[GateLevel | None]:
        gates = [self._sales.get(sale_id) for sale_id in sale_ids]
        return [None if g is None else GateLevel(g.stock_left, g.generation) for g in gates]

    async def holds(self, sale_id: str) -> dict[str, int] | None:
        gate = self._sales.get(sale_id)
        return None if gate is None else dict(gate.held)

    async def adjust(
        self, sale_id: str, generation: int, units: int, holds: Mapping[str, int]
    ) -> int | None:
        gate = self._sales.get(sale_id)
        if gate is None or gate.generation != generation:
            return None
        moved = max(units, -max(gate.stock_left, 0))
        gate.stock_left += moved
        for customer, delta in holds.items():
            if delta > 0:
                gate.held[customer] = gate.held.get(customer, 0) + delta
            elif delta < 0:
                _lower(gate.held, customer, -delta)
        return moved

    async def generations(self, sale_ids: Sequence[str]) -> list[int | None]:
        gates = [self._sales.get(sale_id) for sale_id in sale_ids]
        return [None if gate is None else gate.generation for gate in gates]

    async def stock_left(self, sale_id: str) -> int | None:
        gate = self._sales.get(sale_id)
        return None if gate is None else gate.stock_left

    async def close_sale(self, sale_id: str, at: datetime) -> datetime | None:
        gate = self._sales.get(sale_id)
        if gate is None:
            return None
        gate.sale = closed_early(gate.sale, at)
        return gate.sale.closes_at

    async def close(self) -> None:
        self._sales.clear()


def _take_one(gate: _SaleGate, request: PurchaseRequest, now: datetime) -> Refusal | None:
    held = gate.held.get(request.customer_id, 0)
    refusal = decide(
        gate.sale,
        now,
        registered=request.customer_id in gate.registered,
        held=held,
        quantity=request.quantity,
        stock_left=gate.stock_left,
    )
    if refusal is None:
        gate.stock_left -= request.quantity
        gate.held[request.customer_id] = held + request.quantity
    return refusal


def _lower(held: dict[str, int], customer: str, units: int) -> int:
    """Lower a customer's held count by up to ``units``; returns by how much it fell."""
    before = held.get(customer, 0)
    lowered = min(before, units)
    if before - lowered:
        held[customer] = before - lowered
    else:
        held.pop(customer, None)
    return lowered
