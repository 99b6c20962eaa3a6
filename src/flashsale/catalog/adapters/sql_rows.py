"""The catalogue's domain objects to table rows and back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product, Variant
from flashsale.kernel.money import Money


def market_row(market: Market) -> dict[str, Any]:
    return {
        "code": market.code,
        "name": market.name,
        "currency": market.currency,
        "locale": market.locale,
        "timezone": market.timezone,
    }


def market_of(row: RowMapping) -> Market:
    return Market(
        code=row["code"],
        name=row["name"],
        currency=row["currency"],
        locale=row["locale"],
        timezone=row["timezone"],
    )


def variant_rows(product: Product) -> list[dict[str, Any]]:
    return [
        {
            "sku": v.sku,
            "product_id": product.id,
            "attributes": dict(v.attributes),
            "position": position,
        }
        for position, v in enumerate(product.variants)
    ]


def price_rows(product: Product) -> list[dict[str, Any]]:
    return [
        {"sku": v.sku, "market_code": code, "amount": p.amount, "currency": p.currency}
        for v in product.variants
        for code, p in v.prices.items()
    ]


def variant_of(row: Any, prices_of: dict[str, dict[str, Money]]) -> Variant:
    """A variant from its row and the prices of every SKU read (by SKU, then market)."""
    return Variant(
        sku=row["sku"],
        product_id=row["product_id"],
        attributes=dict(row["attributes"]),
        prices=dict(prices_of.get(row["sku"], {})),
    )
