"""Refunds: money given back for a paid order, in part or in whole, each a row of its own.

An order's status stays what it was (paid, or cancelled when the whole order is called off):
a refund is money, not a state of the order, so a sale's audit of units keeps its meaning.

- ``pending``: the amount is set aside against the payment and the gateway is (being) asked;
- ``awaiting_approval``: above the currency's approval limit, a second person must approve;
- ``succeeded``: the gateway gave the money back (an ``order.refunded`` event says so);
- ``failed``: the gateway refused; the amount is free again.

The refunds of an order that are not failed never add up to more than its payment.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money, parse_amounts_per_currency, parse_price
from flashsale.orders.errors import RefundExceedsPayment

MAX_REASON = 500


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    AWAITING_APPROVAL = "awaiting_approval"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# The refunds that hold part of the payment.
HOLDING = frozenset({RefundStatus.PENDING, RefundStatus.AWAITING_APPROVAL, RefundStatus.SUCCEEDED})


@dataclass(frozen=True, slots=True)
class Refund:
    id: str
    order_id: str
    amount: Money
    reason: str
    status: RefundStatus
    requested_by: str  # an actor: "admin", "staff:stf_…", "customer:cus_…"
    idempotency_key: str
    created_at: datetime
    approved_by: str | None = None
    gateway_reference: str | None = None
    decided_at: datetime | None = None

    @property
    def holds_payment(self) -> bool:
        return self.status in HOLDING

    def same_request(self, amount: Money, reason: str) -> bool:
        """Whether a retry with this refund's idempotency key asks for the same thing."""
        return (self.amount, self.reason) == (amount, reason)


def refund_amount(value: object, currency: str) -> Money:
    """An amount asked for: more than zero, and no finer than the currency's minor unit."""
    money = parse_price(value, currency)
    if money.amount <= 0:
        raise InvalidInput("a refund is of more than zero")
    return money


def refund_reason(text: str) -> str:
    reason = text.strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(f"a refund gives its reason, in 1 to {MAX_REASON} characters")
    return reason


def refundable(payment: Money, refunds: Iterable[Refund]) -> Money:
    """What of the payment no refund holds yet."""
    held = sum((r.amount.amount for r in refunds if r.holds_payment), Decimal(0))
    return Money(payment.amount - held, payment.currency)


def check_fits(amount: Money, payment: Money, refunds: Iterable[Refund]) -> None:
    left = refundable(payment, refunds)
    if amount.currency != payment.currency:
        raise InvalidInput(f"the order was paid in {payment.currency}, not {amount.currency}")
    if amount.amount > left.amount:
        raise RefundExceedsPayment(
            f"{amount} is more than is left to refund of the payment ({left} of {payment})"
        )


@dataclass(frozen=True, slots=True)
class ApprovalLimits:
    """Per currency, the largest refund one person may give alone; none: no limit."""

    limits: Mapping[str, Decimal]

    def needs_approval(self, amount: Money) -> bool:
        limit = self.limits.get(amount.currency)
        return limit is not None and amount.amount > limit

    @classmethod
    def parse(cls, text: str | None) -> ApprovalLimits:
        """``CNY:2000,INR:20000``."""
        return cls(parse_amounts_per_currency(text))
