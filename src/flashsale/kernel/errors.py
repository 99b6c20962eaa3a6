"""Every refusal the domain can give, each with a stable machine-readable code.

The code becomes the RFC 9457 problem ``type`` at the HTTP edge, so renaming one is an API change.
"""

from __future__ import annotations


class DomainError(Exception):
    code: str = "domain-error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError):
    code = "invalid-input"


class NotFound(DomainError):
    code = "not-found"


class Conflict(DomainError):
    code = "conflict"


class SaleNotEditable(Conflict):
    """The sale's terms can no longer change (it opens too soon, or has opened)."""

    code = "sale-not-editable"


class AuthenticationFailed(DomainError):
    code = "authentication-failed"


class Forbidden(DomainError):
    code = "forbidden"


class PurchaseRefused(DomainError):
    """A purchase the gate turned down; ``reason`` says why in one word."""

    code = "purchase-refused"


class SaleNotOpenYet(PurchaseRefused):
    code = "sale-not-open-yet"


class SaleClosed(PurchaseRefused):
    code = "sale-closed"


class SoldOut(PurchaseRefused):
    code = "sold-out"


class InsufficientStock(PurchaseRefused):
    code = "insufficient-stock"


class NotRegistered(PurchaseRefused):
    code = "not-registered"


class LimitReached(PurchaseRefused):
    code = "limit-reached"


class RegistrationClosed(DomainError):
    code = "registration-closed"


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


class CommitFailed(DomainError):
    """A write could not be stored (an order: its units were given back); nothing was
    acknowledged, and the same request may simply be sent again."""

    code = "commit-failed"


class RegistrationNotOpenYet(DomainError):
    code = "registration-not-open-yet"
