"""Units of closed orders (expired, cancelled) go back to the stock gate, to be sold again."""

from __future__ import annotations

from flashsale.domain.order import Order
from flashsale.domain.purchase import PurchaseRequest
from flashsale.ports import StockGate


async def give_back_units(gate: StockGate, closed: list[Order]) -> None:
    await gate.give_back([PurchaseRequest(o.sale_id, o.customer_id, o.quantity) for o in closed])
