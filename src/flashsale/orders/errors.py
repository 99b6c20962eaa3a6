"""The refusals of an order's life: paying, cancelling, the payment gateway; each with a stable
code (the RFC 9457 problem ``type`` at the HTTP edge)."""

from __future__ import annotations

from flashsale.kernel.errors import DomainError


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
