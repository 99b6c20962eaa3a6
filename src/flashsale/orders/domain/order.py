"""Orders born from a flash-sale purchase and their lifecycle.

reserved -> paid; reserved -> expired (payment window passed) or cancelled (by the customer);
paid -> cancelled (refunded whole, service/refunds.py). Expired and cancelled orders give their
units back to the sale; the store guards each
transition with the order's current status so that the give-back happens exactly once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from flashsale.catalog.market import PaymentMethod
from flashsale.kernel.money import Money
from flashsale.orders.errors import OrderExpired, OrderNotCancellable, OrderNotPayable


class OrderStatus(enum.StrEnum):
    RESERVED = "reserved"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


# The longest idempotency key a client may send, for a purchase or a refund: both tables keep
# it in a VARCHAR(255), the unique key that makes a retry find its first answer.
MAX_IDEMPOTENCY_KEY = 255

# Orders in these states hold units of the sale's stock and count against the customer's limit.
LIVE_STATUSES = frozenset({OrderStatus.RESERVED, OrderStatus.PAID})


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    sale_id: str
    customer_id: str
    sku: str
    quantity: int
    amount: Money
    status: OrderStatus
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None = None
    closed_at: datetime | None = None
    idempotency_key: str | None = None

    @property
    def holds_stock(self) -> bool:
        return self.status in LIVE_STATUSES

    def check_payable(self, now: datetime) -> None:
        if self.status is OrderStatus.EXPIRED or (
            self.status is OrderStatus.RESERVED and now >= self.expires_at
        ):
            raise OrderExpired(f"order {self.id} expired at {self.expires_at.isoformat()}")
        if self.status is not OrderStatus.RESERVED:
            raise OrderNotPayable(f"order {self.id} is {self.status}, not reserved")

    def paid(self, now: datetime) -> Order:
        self.check_payable(now)
        return replace(self, status=OrderStatus.PAID, paid_at=now)

    def is_expired_at(self, now: datetime) -> bool:
        return self.status is OrderStatus.RESERVED and now >= self.expires_at

    def check_cancellable(self) -> None:
        if self.status not in LIVE_STATUSES:
            raise OrderNotCancellable(
                f"order {self.id} is {self.status}; only reserved and paid orders cancel"
            )


class PaymentStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"  # the money is ours (cash on delivery: collected at the door)
    REFUNDED = "refunded"
    DUE = "due"  # cash on delivery, not delivered yet: the order ships, nothing is taken
    UNCOLLECTED = "uncollected"  # cash on delivery refused, returned or cancelled: never taken


# Payments whose money was never taken: nothing of them can be refunded.
NOTHING_TAKEN = frozenset({PaymentStatus.DUE, PaymentStatus.UNCOLLECTED})


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    order_id: str
    amount: Money  # what the order costs, whether taken yet or (cash on delivery) due
    status: PaymentStatus
    gateway_reference: str
    created_at: datetime
    method: PaymentMethod = PaymentMethod.CARD

    @property
    def taken(self) -> Money:
        """What of it the shop holds: what refunds may give back."""
        return taken(self.amount, self.status)

    @property
    def cash_due(self) -> bool:
        return self.method is PaymentMethod.COD and self.status is PaymentStatus.DUE


def taken(amount: Money, status: PaymentStatus) -> Money:
    return amount.times(0) if status in NOTHING_TAKEN else amount
