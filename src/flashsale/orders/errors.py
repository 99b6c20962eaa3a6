"""The refusals of an order's life: paying, cancelling, the payment gateway; each with a stable
code (the RFC 9457 problem ``type`` at the HTTP edge)."""

from __future__ import annotations

from flashsale.kernel.errors import Conflict, DomainError, Forbidden, InvalidInput


class OrderNotPayable(DomainError):
    code = "order-not-payable"


class OrderExpired(OrderNotPayable):
    code = "order-expired"


class OrderNotCancellable(DomainError):
    code = "order-not-cancellable"


class PaymentDeclined(DomainError):
    code = "payment-declined"


class InsufficientFunds(PaymentDeclined):
    code = "insufficient-funds"


class PaymentGatewayUnavailable(DomainError):
    code = "payment-gateway-unavailable"


class PaymentMethodNotAccepted(InvalidInput):
    """A way of paying the order's market does not offer (UPI outside India), or cash on
    delivery above the market's limit."""

    code = "payment-method-not-accepted"


class CashNotDue(Conflict):
    """Cash on delivery reported refused for an order that owes none (paid otherwise, or its
    cash collected or given up already)."""

    code = "cash-not-due"


class OrderNotPaid(Conflict):
    """A refund of an order that has no payment to give back."""

    code = "order-not-paid"


class RefundExceedsPayment(Conflict):
    """The refunds of an order would add up to more than its payment."""

    code = "refund-exceeds-payment"


class RefundNotAwaitingApproval(Conflict):
    code = "refund-not-awaiting-approval"


class RefundNeedsAnotherApprover(Forbidden):
    """Four eyes: whoever asked for a refund above the limit cannot also approve it."""

    code = "refund-needs-another-approver"


class OrderInFulfilment(Conflict):
    """A paid order whose units are being picked, packed or shipped: no longer cancelled, but
    returned once delivered."""

    code = "order-in-fulfilment"
