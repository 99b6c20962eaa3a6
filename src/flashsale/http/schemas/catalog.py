"""Bodies of markets and products."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product
from flashsale.http.edge import Line, Text
from flashsale.http.schemas.base import AmountIn, RequestBody, ResponseBody


class MarketIn(RequestBody):
    code: Line = Field(min_length=2, max_length=2, examples=["IN"])
    name: Line = Field(min_length=1, max_length=100, examples=["India"])
    currency: Line = Field(min_length=3, max_length=3, examples=["INR"])
    locale: Line = Field(min_length=2, max_length=20, examples=["en_IN"])


class MarketOut(ResponseBody):
    code: str
    name: str
    currency: str
    locale: str

    @classmethod
    def of(cls, market: Market) -> MarketOut:
        return cls(
            code=market.code, name=market.name, currency=market.currency, locale=market.locale
        )


class MarketListOut(ResponseBody):
    markets: list[MarketOut]


class VariantIn(RequestBody):
    sku: Line = Field(max_length=64, examples=["MIBAND2-BLK"])
    attributes: dict[Line, Annotated[Text, Field(max_length=200)]] = Field(default_factory=dict)
    prices: dict[Line, AmountIn] = Field(examples=[{"IN": "999", "US": "18.00"}])


class ProductIn(RequestBody):
    name: Text = Field(min_length=1, max_length=200, examples=["Mi Band 2"])
    variants: list[VariantIn] = Field(min_length=1, max_length=100)


class PriceOut(ResponseBody):
    amount: Decimal
    currency: str


class VariantOut(ResponseBody):
    sku: str
    attributes: dict[str, str]
    prices: dict[str, PriceOut]


class ProductOut(ResponseBody):
    id: str
    name: str
    variants: list[VariantOut]

    @classmethod
    def of(cls, product: Product) -> ProductOut:
        return cls(
            id=product.id,
            name=product.name,
            variants=[
                VariantOut(
                    sku=v.sku,
                    attributes=dict(v.attributes),
                    prices={
                        code: PriceOut(amount=price.amount, currency=price.currency)
                        for code, price in v.prices.items()
                    },
                )
                for v in product.variants
            ],
        )


class ProductListOut(ResponseBody):
    market: str | None
    products: list[ProductOut]
