"""A receipt as a person reads it: amounts in the market's format (Babel/CLDR), the time in
the store's zone, and the receipt's own address for its QR code."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.numbers import format_currency

from flashsale.kernel.money import Money
from flashsale.stores.domain.sale import PosSale


def format_money(money: Money, locale: str) -> str:
    return format_currency(money.amount, money.currency, locale=locale)


@dataclass(frozen=True, slots=True)
class ReceiptText:
    """The sale's amounts and time as they print on the receipt."""

    lines: tuple[tuple[str, int, str, str], ...]  # sku, quantity, unit price, line total
    total: str
    tendered: str
    change: str
    local_time: str


def receipt_text(sale: PosSale, locale: str, timezone: str) -> ReceiptText:
    local = sale.created_at.astimezone(ZoneInfo(timezone))
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
        local_time=local.strftime("%Y-%m-%d %H:%M"),
    )


def receipt_path(sale_id: str) -> str:
    """The printable receipt's page, which its QR code points at."""
    return f"/pos/receipts/{sale_id}"
