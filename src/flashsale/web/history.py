"""An order's history as its pages show it: from the order event feed, one step per event.

Orders placed before the feed existed have no events; their history is derived from the moments
the order row keeps, as it was before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flashsale.orders.domain.events import SYSTEM, OrderEvent, OrderEventKind
from flashsale.orders.domain.order import Order, OrderStatus, Payment


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    status: str
    note: str
    # A moment the note ends with, left to the page to show in the market's time zone.
    due: datetime | None = None


def history_of(order: Order, payment: Payment | None, events: Sequence[OrderEvent]) -> list[Step]:
    if not events:
        return _derived(order, payment)
    return [
        Step(
            e.at,
            e.kind.value.removeprefix("order."),
            _note(e, order, payment),
            order.expires_at if e.kind is OrderEventKind.RESERVED else None,
        )
        for e in events
    ]


def _who(actor: str) -> str:
    if actor == SYSTEM:
        return "the shop"
    if actor.startswith("customer:"):
        return "the customer"
    if actor == "admin":
        return "the operator"
    return actor  # a staff member: staff:stf_…


def _note(event: OrderEvent, order: Order, payment: Payment | None) -> str:
    data = event.data
    match event.kind:
        case OrderEventKind.RESERVED:
            return _reserved(order)
        case OrderEventKind.PAID:
            if payment is not None:
                return f"paid (gateway reference {payment.gateway_reference})"
            return f"paid (payment {data.get('payment_id', '?')})"
        case OrderEventKind.EXPIRED:
            return "not paid in time; the units went back on sale"
        case OrderEventKind.CANCELLED:
            return f"cancelled by {_who(event.actor)}; the units went back on sale"
        case OrderEventKind.REFUNDED:
            return (
                f"{data.get('amount')} {data.get('currency')} refunded by {_who(event.actor)}:"
                f" {data.get('reason')}"
            )
        case OrderEventKind.ADDRESS_SET:
            return f"shipping address set: {data.get('city')}, {data.get('postal_code')}"
    return event.kind.value


def _reserved(order: Order) -> str:
    return f"{order.quantity} × {order.sku} reserved; payment due before"


def _derived(order: Order, payment: Payment | None) -> list[Step]:
    steps = [Step(order.created_at, OrderStatus.RESERVED.value, _reserved(order), order.expires_at)]
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
