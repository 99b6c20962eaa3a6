"""Answers the record gives by itself: the flash sale's usual questions ("did I get one?",
"my payment failed", "where is my order?") have their answer in the order and its events.

``answer`` decides from a snapshot of the order (``OrderView``, read through the orders'
services and the order event feed) and the case's topic; None where a person must answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flashsale.desk.domain.case import SuggestedAnswer, Topic


@dataclass(frozen=True, slots=True)
class Shipment:
    carrier: str
    tracking_number: str
    shipped_at: datetime
    delivered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderView:
    id: str
    status: str  # reserved, paid, expired, cancelled
    sku: str
    quantity: int
    amount: str  # "999.00 INR"
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None = None
    closed_at: datetime | None = None
    refunds: tuple[tuple[str, str], ...] = ()  # (status, "amount currency"), oldest first
    shipment: Shipment | None = None
    return_status: str | None = None  # the last return event's kind: return.approved …
    url: str = ""


@dataclass(frozen=True, slots=True)
class Situation:
    topic: Topic
    order: OrderView | None
    now: datetime
    timezone: str = "UTC"  # the market's, to say times as the customer reads them
    had_orders: bool = field(default=True)  # a customer without any order: sold out or limit


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def answer(situation: Situation) -> SuggestedAnswer | None:
    order, topic, zone = situation.order, situation.topic, situation.timezone
    if order is None:
        if topic in (Topic.PRODUCT, Topic.OTHER, Topic.PAYMENT) and not situation.had_orders:
            return SuggestedAnswer(
                "no_order",
                "We hold no order of yours: the sale sold out before your turn, or the"
                " per-customer limit was reached. Nothing was charged.",
            )
        return None
    if (
        order.status == "reserved" and situation.now >= order.expires_at
    ) or order.status == "expired":
        return SuggestedAnswer(
            "reservation_expired",
            f"Your reservation of order {order.id} ended unpaid at"
            f" {_local(order.expires_at, zone)}, and its units went back on sale. Nothing was"
            " charged.",
        )
    if order.status == "reserved" and topic in (Topic.PAYMENT, Topic.OTHER, Topic.PRODUCT):
        return SuggestedAnswer(
            "payment_not_received",
            f"No payment has reached us for order {order.id}: if your card was declined,"
            f" nothing was charged. The order stays yours until {_local(order.expires_at, zone)};"
            " you can pay again with another card on its page.",
            order.url or None,
        )
    if order.status == "cancelled":
        refunded = ", ".join(f"{amount} ({status})" for status, amount in order.refunds)
        return SuggestedAnswer(
            "cancelled",
            f"Order {order.id} was cancelled"
            + (f"; refunds: {refunded}." if refunded else "; nothing was charged."),
        )
    if topic is Topic.RETURN and order.return_status is not None:
        state = order.return_status.removeprefix("return.")
        return SuggestedAnswer("return_status", f"Your return for order {order.id} is {state}.")
    if order.status == "paid" and topic in (Topic.DELIVERY, Topic.OTHER):
        if order.shipment is not None:
            shipment = order.shipment
            where = (
                f"delivered on {_local(shipment.delivered_at, zone)}"
                if shipment.delivered_at is not None
                else f"shipped on {_local(shipment.shipped_at, zone)}"
            )
            return SuggestedAnswer(
                "shipped",
                f"Order {order.id} was {where} with {shipment.carrier},"
                f" tracking number {shipment.tracking_number}.",
            )
        return None  # paid and not shipped: a person looks at the warehouse
    if order.status == "paid" and topic is Topic.PAYMENT and order.paid_at is not None:
        return SuggestedAnswer(
            "paid",
            f"Your payment of {order.amount} for order {order.id} was received on"
            f" {_local(order.paid_at, zone)}: the order is yours.",
        )
    return None
