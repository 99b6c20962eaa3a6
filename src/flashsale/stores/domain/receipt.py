"""A receipt as a person reads it: amounts in the market's format (Babel/CLDR), the time in
the store's zone, and the receipt's own address for its QR code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.numbers import format_currency

from flashsale.kernel.money import Money
from flashsale.stores.domain.sale import PosSale


def format_money(money: Money, locale: str) -> str:
    # The sign in the key: -0 equals 0 but formats as "-₹0.00".
    return _formatted(money.amount, money.amount.is_signed(), money.currency, locale)


# Babel looks the pattern and the currency's symbol up on every call, a sixth of a till's sale
# (each amount of a receipt is formatted twice); a store's prices and totals come back again
# and again. Equal amounts format alike whatever their exponent (the currency sets the digits).
@lru_cache(maxsize=4096)
def _formatted(amount: Decimal, signed: bool, currency: str, locale: str) -> str:
    return format_currency(amount, currency, locale=locale)


@dataclass(frozen=True, slots=True)
class ReceiptText:
    """The sale's amounts and time as they print on the receipt."""

    lines: tuple[tuple[str, int, str, str], ...]  # sku, quantity, unit price, line total
    total: str
    tendered: str
    change: str
    local_time: str


def local_time(sale: PosSale, timezone: str) -> str:
    """When the sale was made, as the store's clock read it."""
    return sale.created_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def receipt_text(sale: PosSale, locale: str, timezone: str) -> ReceiptText:
    return ReceiptText(
        lines=tuple(
            (
                line.sku,
                line.quantity,
                format_money(line.unit_price, locale),
                format_money(line.total, locale),
            )
            for line in sale.lines
        ),
        total=format_money(sale.total, locale),
        tendered=format_money(sale.tender.tendered, locale),
        change=format_money(sale.tender.change, locale),
        local_time=local_time(sale, timezone),
    )


def receipt_path(sale_id: str) -> str:
    """The printable receipt's page, which its QR code points at."""
    return f"/pos/receipts/{sale_id}"
