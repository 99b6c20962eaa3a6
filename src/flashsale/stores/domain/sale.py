"""A sale at a till: its lines priced, its tender, its gap-free receipt number.

The number is the store's counter, taken in the same transaction as the sale (so a sale that
rolls back takes none and the numbers have no gaps, as fiscal receipts must not).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import orjson

from flashsale.kernel.errors import InvalidInput
from flashsale.kernel.money import Money, decimal_places, minor_unit_places
from flashsale.stores.errors import CashShort, NotSoldHere

MAX_LINES = 50
MAX_LINE_QUANTITY = 1_000


class TenderMethod(enum.StrEnum):
    CASH = "cash"
    CARD = "card"


@dataclass(frozen=True, slots=True)
class SaleLine:
    sku: str
    quantity: int
    unit_price: Money
    returned: int = 0

    @property
    def total(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass(frozen=True, slots=True)
class Tender:
    method: TenderMethod
    tendered: Money  # cash handed over; for a card, the total charged
    change: Money
    card_reference: str | None = None  # the gateway's charge
    card_last4: str | None = None


@dataclass(frozen=True, slots=True)
class PosSale:
    id: str
    store_code: str
    till_id: str
    clerk_id: str
    lines: tuple[SaleLine, ...]
    total: Money
    tender: Tender
    created_at: datetime
    idempotency_key: str
    fingerprint: str  # of the request, so a key reused for another sale is refused
    customer_email: str | None = None
    number: int = 0  # given by the record, in the sale's transaction

    @property
    def receipt_number(self) -> str:
        return f"{self.store_code}-{self.number:06d}"

    @property
    def reference(self) -> str:
        """What its ledger moves name."""
        return f"pos:{self.receipt_number}"


def requested_lines(lines: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """The lines asked for, one per SKU (a SKU scanned twice adds up), in the order first met."""
    if not lines:
        raise InvalidInput("lines: at least one")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"lines: at most {MAX_LINES}")
    merged: dict[str, int] = {}
    for sku, quantity in lines:
        if quantity <= 0:
            raise InvalidInput(f"lines: the quantity of {sku[:64]} must be at least 1")
        merged[sku] = merged.get(sku, 0) + quantity
        if merged[sku] > MAX_LINE_QUANTITY:
            raise InvalidInput(f"lines: at most {MAX_LINE_QUANTITY} of {sku[:64]} in one sale")
    return list(merged.items())


def priced(
    lines: Sequence[tuple[str, int]], prices: Mapping[str, Money], currency: str
) -> tuple[tuple[SaleLine, ...], Money]:
    """The lines at their prices, and the total; 422 naming every SKU not sold here."""
    missing = [sku for sku, _ in lines if sku not in prices]
    if missing:
        raise NotSoldHere(f"lines: not sold here: {', '.join(s[:64] for s in missing[:10])}")
    out = tuple(SaleLine(sku, quantity, prices[sku]) for sku, quantity in lines)
    if any(line.unit_price.currency != currency for line in out):
        raise NotSoldHere(f"lines: a price is not in the store's currency {currency}")
    total = sum((line.total.amount for line in out), Decimal(0))
    return out, Money(total, currency)


def cash_tender(total: Money, tendered: Decimal | None) -> Tender:
    """Cash handed over and the change due; 422 when it is less than the total."""
    if tendered is None:
        tendered = total.amount
    if decimal_places(tendered) > minor_unit_places(total.currency):
        raise InvalidInput(f"payment.tendered: finer than {total.currency}'s minor unit")
    if tendered < total.amount:
        raise CashShort(f"payment.tendered: {tendered} is less than the total {total.amount}")
    return Tender(
        TenderMethod.CASH,
        Money(tendered, total.currency),
        Money(tendered - total.amount, total.currency),
    )


def card_tender(total: Money, reference: str, card: str) -> Tender:
    digits = "".join(ch for ch in card if ch.isdigit())
    return Tender(
        TenderMethod.CARD, total, Money(Decimal(0), total.currency), reference, digits[-4:] or None
    )


def fingerprint(
    lines: Sequence[tuple[str, int]],
    method: TenderMethod,
    tendered: Decimal | None,
    card: str | None,
    customer_email: str | None,
) -> str:
    """What a replay with the same Idempotency-Key must match (the card only by its hash)."""
    card_hash = None if card is None else hashlib.sha256(card.encode()).hexdigest()
    body = [
        list(lines),
        method.value,
        None if tendered is None else str(tendered),
        card_hash,
        customer_email,
    ]
    return hashlib.sha256(orjson.dumps(body)).hexdigest()
