"""Giving units back the way a caller that just read the gate's generation would."""

from __future__ import annotations

from collections.abc import Sequence

from flashsale.sales.domain.purchase import PurchaseRequest
from flashsale.sales.ports import StockGate


async def give_back_now(gate: StockGate, returns: Sequence[PurchaseRequest]) -> None:
    """Give back under each sale's current generation (any one if the gate holds no such sale)."""
    sale_ids = list(dict.fromkeys(r.sale_id for r in returns))
    current = dict(zip(sale_ids, await gate.generations(sale_ids), strict=True))
    await gate.give_back([(r, current[r.sale_id] or 1) for r in returns])
