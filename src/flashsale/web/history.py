"""An order's history, derived from the moments its record keeps (no separate event log)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flashsale.orders.domain.order import Order, OrderStatus, Payment


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    status: str
    note: str


def history_of(order: Order, payment: Payment | None) -> list[Step]:
    steps = [
        Step(
            order.created_at,
            OrderStatus.RESERVED.value,
            f"{order.quantity} × {order.sku} reserved; payment due before"
            f" {order.expires_at.strftime('%H:%M:%S UTC')}",
        )
    ]
    if order.paid_at is not None:
        reference = f" (gateway reference {payment.gateway_reference})" if payment else ""
        steps.append(Step(order.paid_at, OrderStatus.PAID.value, f"paid{reference}"))
    if order.closed_at is not None:
        why = {
            OrderStatus.EXPIRED: "not paid in time; the units went back on sale",
            OrderStatus.CANCELLED: "cancelled by the customer; the units went back on sale",
        }.get(order.status, str(order.status))
        steps.append(Step(order.closed_at, order.status.value, why))
    return steps
