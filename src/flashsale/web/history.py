"""An order's history as its pages show it: from the order event feed, one step per event.

Orders placed before the feed existed have no events; their history is derived from the moments
the order row keeps, as it was before.

A step's note is a message (marked for translation) and its values, so that each page says it
in its own language (templates/_history.html); ``Step.note`` is the English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flashsale.orders.domain.events import SYSTEM, OrderEvent, OrderEventKind
from flashsale.orders.domain.order import Order, OrderStatus, Payment
from flashsale.web.i18n import N_


@dataclass(frozen=True, slots=True)
class Step:
    at: datetime
    status: str
    message: str  # with %(name)s placeholders for ``values``
    values: Mapping[str, object] = field(default_factory=dict)
    # A moment the note ends with, left to the page to show in the market's time zone.
    due: datetime | None = None

    @property
    def note(self) -> str:
        return self.message % self.values


def history_of(order: Order, payment: Payment | None, events: Sequence[OrderEvent]) -> list[Step]:
    if not events:
        return _derived(order, payment)
    return [
        Step(
            e.at,
            STATUS_OF.get(e.kind, e.kind.value.removeprefix("order.")),
            *_note(e, order, payment),
            due=order.expires_at if e.kind is OrderEventKind.RESERVED else None,
        )
        for e in events
    ]


# One sentence per actor (translators see whole sentences); a staff member is named by id.
CANCELLED_BY = {
    "shop": N_("cancelled by the shop; the units went back on sale"),
    "customer": N_("cancelled by the customer; the units went back on sale"),
    "operator": N_("cancelled by the operator; the units went back on sale"),
    "staff": N_("cancelled by %(who)s; the units went back on sale"),
}
REFUNDED_BY = {
    "shop": N_("%(amount)s %(currency)s refunded by the shop: %(reason)s"),
    "customer": N_("%(amount)s %(currency)s refunded by the customer: %(reason)s"),
    "operator": N_("%(amount)s %(currency)s refunded by the operator: %(reason)s"),
    "staff": N_("%(amount)s %(currency)s refunded by %(who)s: %(reason)s"),
}
NOT_PAID = N_("not paid in time; the units went back on sale")
# The word a step is headed by where the event's own name is no word for a customer.
STATUS_OF = {
    OrderEventKind.DELIVERY_SET: N_("delivery"),
    OrderEventKind.ALLOCATED: N_("preparing"),
    **{kind: N_("return") for kind in OrderEventKind if kind.value.startswith("return.")},
}
RETURN_NOTES = {
    OrderEventKind.RETURN_REQUESTED: N_("return of %(quantity)s asked for"),
    OrderEventKind.RETURN_APPROVED: N_("return of %(quantity)s approved: send the units back"),
    OrderEventKind.RETURN_DECLINED: N_("return of %(quantity)s declined"),
    OrderEventKind.RETURN_RECEIVED: N_("%(quantity)s returned units received"),
    OrderEventKind.RETURN_REFUNDED: N_("return of %(quantity)s refunded"),
    OrderEventKind.RETURN_CANCELLED: N_("return of %(quantity)s cancelled"),
    OrderEventKind.RETURN_CLOSED: N_("return of %(quantity)s closed"),
}


def _who(actor: str) -> str:
    if actor == SYSTEM:
        return "shop"
    if actor.startswith("customer:"):
        return "customer"
    if actor == "admin":
        return "operator"
    return "staff"  # a staff member: staff:stf_…


Note = tuple[str, Mapping[str, object]]


def _note(event: OrderEvent, order: Order, payment: Payment | None) -> Note:
    data = event.data
    match event.kind:
        case OrderEventKind.RESERVED:
            return _reserved(order)
        case OrderEventKind.PAID:
            if payment is not None:
                reference = payment.gateway_reference
                return N_("paid (gateway reference %(reference)s)"), {"reference": reference}
            return N_("paid (payment %(payment)s)"), {"payment": data.get("payment_id", "?")}
        case OrderEventKind.EXPIRED:
            return NOT_PAID, {}
        case OrderEventKind.CANCELLED:
            return CANCELLED_BY[_who(event.actor)], {"who": event.actor}
        case OrderEventKind.REFUNDED:
            values = {k: data.get(k) for k in ("amount", "currency", "reason")}
            return REFUNDED_BY[_who(event.actor)], {**values, "who": event.actor}
        case OrderEventKind.ADDRESS_SET:
            values = {"city": data.get("city"), "postal_code": data.get("postal_code")}
            return N_("shipping address set: %(city)s, %(postal_code)s"), values
        case OrderEventKind.DELIVERY_SET:
            if data.get("method") == "pickup":
                return N_("to be collected at the store %(store)s"), {"store": data.get("store")}
            return N_("to be shipped to the address"), {}
        case OrderEventKind.ALLOCATED:
            return N_("being prepared for shipping"), {}
        case OrderEventKind.SHIPPED:
            values = {k: data.get(k) for k in ("carrier", "tracking_number")}
            return N_("handed to %(carrier)s, tracking number %(tracking_number)s"), values
        case OrderEventKind.DELIVERED:
            return N_("delivered"), {}
    if event.kind in RETURN_NOTES:
        return RETURN_NOTES[event.kind], {"quantity": data.get("quantity")}
    return "%(kind)s", {"kind": event.kind.value}


def _reserved(order: Order) -> Note:
    values = {"quantity": order.quantity, "sku": order.sku}
    return N_("%(quantity)s × %(sku)s reserved; payment due before"), values


def _derived(order: Order, payment: Payment | None) -> list[Step]:
    steps = [
        Step(order.created_at, OrderStatus.RESERVED.value, *_reserved(order), order.expires_at)
    ]
    if order.paid_at is not None:
        if payment:
            reference = {"reference": payment.gateway_reference}
            paid: Note = (N_("paid (gateway reference %(reference)s)"), reference)
        else:
            paid = (N_("paid"), {})
        steps.append(Step(order.paid_at, OrderStatus.PAID.value, *paid))
    if order.closed_at is not None:
        why: Note = {
            OrderStatus.EXPIRED: (NOT_PAID, {}),
            OrderStatus.CANCELLED: (CANCELLED_BY["customer"], {}),
        }.get(order.status, ("%(status)s", {"status": str(order.status)}))
        steps.append(Step(order.closed_at, order.status.value, *why))
    return steps
