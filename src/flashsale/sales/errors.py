"""The refusals of a sale: its terms, registration and the purchase, each with a stable code.

The code becomes the RFC 9457 problem ``type`` at the HTTP edge, so renaming one is an API change.
"""

from __future__ import annotations

from flashsale.kernel.errors import Conflict, DomainError, IdempotencyKeyReused


class SaleNotEditable(Conflict):
    """The sale's terms can no longer change (it opens too soon, or has opened)."""

    code = "sale-not-editable"


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


class RegistrationNotOpenYet(DomainError):
    code = "registration-not-open-yet"


class CommitFailed(DomainError):
    """A write could not be stored (an order: its units were given back); nothing was
    acknowledged, and the same request may simply be sent again."""

    code = "commit-failed"


__all__ = [
    "CommitFailed",
    "IdempotencyKeyReused",  # the kernel's, raised by the purchase path
    "InsufficientStock",
    "LimitReached",
    "NotRegistered",
    "PurchaseRefused",
    "RegistrationClosed",
    "RegistrationNotOpenYet",
    "SaleClosed",
    "SaleNotEditable",
    "SaleNotOpenYet",
    "SoldOut",
]
