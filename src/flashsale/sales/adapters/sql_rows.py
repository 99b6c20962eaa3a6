"""Sales to table rows and back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import RowMapping

from flashsale.kernel.money import Money
from flashsale.sales.domain.sale import FlashSale


def sale_row(sale: FlashSale) -> dict[str, Any]:
    return {
        "id": sale.id,
        "sku": sale.sku,
        "market_code": sale.market_code,
        "price_amount": sale.price.amount,
        "price_currency": sale.price.currency,
        "stock_total": sale.stock_total,
        "per_customer_limit": sale.per_customer_limit,
        "registration_opens_at": sale.registration_opens_at,
        "registration_closes_at": sale.registration_closes_at,
        "opens_at": sale.opens_at,
        "closes_at": sale.closes_at,
        "payment_window_seconds": sale.payment_window.total_seconds(),
    }


def sale_of(row: RowMapping) -> FlashSale:
    return FlashSale(
        id=row["id"],
        sku=row["sku"],
        market_code=row["market_code"],
        price=Money(row["price_amount"], row["price_currency"]),
        stock_total=row["stock_total"],
        per_customer_limit=row["per_customer_limit"],
        registration_opens_at=row["registration_opens_at"],
        registration_closes_at=row["registration_closes_at"],
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        payment_window=timedelta(seconds=row["payment_window_seconds"]),
    )
