"""The order event feed: one event per change of an order, appended in the change's own
transaction, so an event never exists without its change nor a change without its event.

Every back-office domain (fulfilment, the desk, reporting, webhooks) reads the feed rather than
the purchase path: the feed is how they learn, in order, what happened to orders.

An event carries what changed (``data``) and, on reading, the order's facts that never change
once it is placed (``order``: sale, customer, SKU, quantity, amount): the group commit stores
no copy of them, so the event row costs the purchase path one narrow insert per batch.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from flashsale.catalog.market import PaymentMethod
from flashsale.kernel.errors import InvalidInput
from flashsale.orders.domain.order import Order, OrderStatus, Payment
from flashsale.orders.domain.refunds import Refund
from flashsale.orders.domain.shipping import ShippingAddress

SYSTEM = "system"  # the actor of what no one asked for: expiry


class OrderEventKind(enum.StrEnum):
    RESERVED = "order.reserved"
    PAID = "order.paid"
    EXPIRED = "order.expired"
    CANCELLED = "order.cancelled"
    REFUNDED = "order.refunded"
    ADDRESS_SET = "order.address_set"
    DELIVERY_SET = "order.delivery_set"  # ship or pick up at a store (click & collect)
    # Written by fulfilment in its own transactions, never by the purchase path: where the
    # order's units are (data: fulfilment_order_id, location, quantity, and carrier and
    # tracking_number when shipped) and what came back (data: return_id, quantity, and
    # location and resellable when received).
    ALLOCATED = "fulfilment.allocated"
    SHIPPED = "order.shipped"
    DELIVERED = "order.delivered"
    RETURN_REQUESTED = "return.requested"
    RETURN_APPROVED = "return.approved"
    RETURN_DECLINED = "return.declined"
    RETURN_RECEIVED = "return.received"
    RETURN_REFUNDED = "return.refunded"
    RETURN_CANCELLED = "return.cancelled"
    RETURN_CLOSED = "return.closed"

    @classmethod
    def of_status(cls, status: OrderStatus) -> OrderEventKind:
        """The event of an order stored or moved into ``status``."""
        return cls(f"order.{status.value}")


def customer_actor(customer_id: str) -> str:
    return f"customer:{customer_id}"


def closing_actor(order: Order, to: OrderStatus, actor: str | None) -> str:
    """Who closed an order when the caller does not say: expiry is the system's, a cancel the
    customer's."""
    if actor is not None:
        return actor
    return SYSTEM if to is OrderStatus.EXPIRED else customer_actor(order.customer_id)


# What each kind says besides the order's facts; the same on every adapter.
def paid_data(payment: Payment) -> dict[str, Any]:
    """A card payment says only its id, as before other methods existed; UPI and cash on
    delivery say their method (cash on delivery: paid when delivered, nothing taken yet)."""
    if payment.method is PaymentMethod.CARD:
        return {"payment_id": payment.id}
    return {"payment_id": payment.id, "method": payment.method.value}


def refunded_data(refund: Refund) -> dict[str, Any]:
    return {
        "refund_id": refund.id,
        "amount": str(refund.amount.amount),
        "currency": refund.amount.currency,
        "reason": refund.reason,
    }


def address_data(address: ShippingAddress) -> dict[str, Any]:
    return {
        "recipient": address.recipient,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "postal_code": address.postal_code,
        "phone": address.phone,
        "country": address.country,
        "region": address.region,
    }


# The feed's values are named tuples rather than frozen dataclasses: readers go through the
# feed by the hundred thousand events a second, and a named tuple is built at a fraction of the
# cost (benchmarks/webhooks.py, the feed read), immutable all the same.


class EventCursor(NamedTuple):
    """A place in the feed, after the event it names; cursors order as (xid, seq) do.

    On PostgreSQL the feed is ordered by (transaction id, sequence number) and read only below
    the oldest transaction still running, so a transaction that took its sequence numbers early
    and committed late is read after the ones that committed before it, never skipped. Where one
    writer commits in sequence order (SQLite, memory), the transaction id is always 0.
    """

    xid: int = 0
    seq: int = 0

    def __str__(self) -> str:
        return f"{self.xid}-{self.seq}"

    @classmethod
    def parse(cls, text: str | None) -> EventCursor:
        """A cursor from ``after=``; none is the feed's beginning."""
        if text is None or text == "":
            return cls()
        found = _CURSOR.fullmatch(text)
        if found is None:
            raise InvalidInput(f"{text[:40]!r} is not a cursor of the event feed")
        return cls(int(found[1]), int(found[2]))


_CURSOR = re.compile(r"([0-9]{1,19})-([0-9]{1,19})")


class OrderFacts(NamedTuple):
    """What an order is, which no later change alters."""

    sale_id: str
    customer_id: str
    sku: str
    quantity: int
    amount: str  # decimal text, exact
    currency: str
    expires_at: datetime  # the end of its payment window

    @classmethod
    def of(cls, order: Order) -> OrderFacts:
        return cls(
            order.sale_id,
            order.customer_id,
            order.sku,
            order.quantity,
            str(order.amount.amount),
            order.amount.currency,
            order.expires_at,
        )


NO_DATA: Mapping[str, Any] = MappingProxyType({})


class OrderEvent(NamedTuple):
    # The cursor's two numbers rather than a cursor: readers build events by the hundred
    # thousand, and a second named tuple an event cost a microsecond of it (the feed read).
    seq: int
    order_id: str
    kind: OrderEventKind
    at: datetime
    actor: str
    order: OrderFacts
    data: Mapping[str, Any] = NO_DATA
    xid: int = 0  # PostgreSQL's transaction id; 0 where one writer commits in seq order

    @property
    def cursor(self) -> EventCursor:
        """The place in the feed just after this event."""
        return EventCursor(self.xid, self.seq)

    @property
    def id(self) -> str:
        """Stable and unique: a webhook's id, the relay's message id."""
        return f"evt_{self.seq:012d}"

    def payload(self) -> dict[str, Any]:
        """The event as JSON-ready values, one shape for every reader outside the shop
        (webhooks, the relay): times in ISO 8601 UTC, amounts as exact decimal text."""
        facts = self.order
        return {
            "id": self.id,
            "type": self.kind.value,
            "order_id": self.order_id,
            "at": _iso(self.at),
            "actor": self.actor,
            "order": {
                "sale_id": facts.sale_id,
                "customer_id": facts.customer_id,
                "sku": facts.sku,
                "quantity": facts.quantity,
                "amount": facts.amount,
                "currency": facts.currency,
                "expires_at": _iso(facts.expires_at),
            },
            "data": dict(self.data),
        }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[OrderEvent]
    next_cursor: EventCursor  # where to read on from; the one given when nothing was new


def parse_kinds(names: str | None) -> frozenset[OrderEventKind] | None:
    """``kind=order.paid,order.cancelled`` → those kinds; an unknown one is refused by name."""
    if names is None or names.strip() == "":
        return None
    kinds = set()
    for name in names.split(","):
        try:
            kinds.add(OrderEventKind(name.strip()))
        except ValueError:
            known = ", ".join(kind.value for kind in OrderEventKind)
            raise InvalidInput(f"no event {name.strip()[:40]!r}; the known ones: {known}") from None
    return frozenset(kinds)
