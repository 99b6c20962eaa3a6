"""The purchase decision: the one rule every stock gate (in-process or a Redis script) applies.

Kept as a pure function over plain numbers so that the in-process gate calls it directly and
the Redis script can be checked against it by the shared contract suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flashsale.kernel.errors import InvalidInput
from flashsale.sales.domain.sale import FlashSale, SaleState
from flashsale.sales.errors import (
    InsufficientStock,
    LimitReached,
    NotRegistered,
    PurchaseRefused,
    SaleClosed,
    SaleNotOpenYet,
    SoldOut,
)

MAX_QUANTITY = 1_000


@dataclass(frozen=True, slots=True)
class PurchaseRequest:
    sale_id: str
    customer_id: str
    quantity: int

    def __post_init__(self) -> None:
        if not 1 <= self.quantity <= MAX_QUANTITY:
            raise InvalidInput(f"quantity must be between 1 and {MAX_QUANTITY}")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the gate turned a purchase down; ``error`` is the PurchaseRefused subclass to raise."""

    error: type[PurchaseRefused]
    detail: str

    def raise_(self) -> None:
        raise self.error(self.detail)


# Every refusal is worded here once: decide() and every gate (and the record, for sold out)
# answer with these.
SOLD_OUT = Refusal(SoldOut, "every unit is sold or reserved")
NOT_REGISTERED = Refusal(NotRegistered, "only customers who registered for this sale may buy")


def not_open_yet(opens_at: datetime) -> Refusal:
    return Refusal(SaleNotOpenYet, f"the sale opens at {opens_at.isoformat()}")


def closed(closes_at: datetime) -> Refusal:
    return Refusal(SaleClosed, f"the sale closed at {closes_at.isoformat()}")


def over_limit(limit: int, held: int) -> Refusal:
    return Refusal(LimitReached, f"the limit is {limit} per customer and you hold {held}")


def insufficient(left: int) -> Refusal:
    return Refusal(InsufficientStock, f"only {left} left")


def decide(
    sale: FlashSale,
    now: datetime,
    *,
    registered: bool,
    held: int,
    quantity: int,
    stock_left: int,
) -> Refusal | None:
    """None means: take ``quantity`` units. ``held`` is what the customer already holds."""
    state = sale.state_at(now, stock_left)
    if state in (SaleState.SCHEDULED, SaleState.REGISTRATION, SaleState.WAITING):
        return not_open_yet(sale.opens_at)
    if state is SaleState.CLOSED:
        return closed(sale.closes_at)
    if not registered:
        return NOT_REGISTERED
    if held + quantity > sale.per_customer_limit:
        return over_limit(sale.per_customer_limit, held)
    if stock_left <= 0:
        return SOLD_OUT
    if stock_left < quantity:
        return insufficient(stock_left)
    return None
