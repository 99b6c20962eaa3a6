"""Asking a stock gate the way tests want to: refusals or None, and give-backs made now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flashsale.sales.domain.purchase import PurchaseRequest, Refusal
from flashsale.sales.ports import GateNotLoaded, StockGate


async def take(
    gate: StockGate, requests: Sequence[PurchaseRequest], now: datetime, *, in_order: bool = True
) -> list[Refusal | None]:
    """``take_stamped`` without the generations: None where the units were taken.

    Raises the GateNotLoaded of the first request whose sale the gate does not hold.
    """
    taken: list[Refusal | None] = []
    for outcome in await gate.take_stamped(requests, now, in_order=in_order):
        if isinstance(outcome, GateNotLoaded):
            raise outcome
        taken.append(None if isinstance(outcome, int) else outcome)
    return taken


async def give_back_now(gate: StockGate, returns: Sequence[PurchaseRequest]) -> None:
    """Give back under each sale's current generation (any one if the gate holds no such sale)."""
    sale_ids = list(dict.fromkeys(r.sale_id for r in returns))
    current = dict(zip(sale_ids, await gate.generations(sale_ids), strict=True))
    await gate.give_back([(r, current[r.sale_id] or 1) for r in returns])
