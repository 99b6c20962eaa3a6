"""Bodies of markets and products."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from flashsale.catalog.market import (
    LOCALE_PATTERN,
    MAX_MARKET_NAME_LENGTH,
    MAX_TIMEZONE_LENGTH,
    Market,
)
from flashsale.catalog.model import (
    MAX_ATTRIBUTE_NAME_LENGTH,
    MAX_ATTRIBUTE_VALUE_LENGTH,
    MAX_ATTRIBUTES,
    MAX_NAME_LENGTH,
    MAX_VARIANTS,
    SKU_PATTERN,
    Product,
)
from flashsale.http.edge import NO_CONTROL, DocumentedPattern, Line
from flashsale.http.schemas.base import (
    FILLED_LINE,
    FILLED_TEXT,
    FREE_TEXT,
    MARKET_CODE_PATTERN,
    SINGLE_LINE,
    AmountIn,
    MarketCodeIn,
    RequestBody,
    RequestQuery,
    ResponseBody,
    keys_named_by_pattern,
)

# Names are trimmed, then must hold something; bounds are the catalogue's own.
MarketName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MARKET_NAME_LENGTH),
    SINGLE_LINE,
    FILLED_LINE,
]
ProductName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_LENGTH),
    FREE_TEXT,
    FILLED_TEXT,
]
AttributeName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ATTRIBUTE_NAME_LENGTH),
    SINGLE_LINE,
    FILLED_LINE,
]
AttributeValue = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ATTRIBUTE_VALUE_LENGTH),
    FREE_TEXT,
    FILLED_TEXT,
]
TimezoneName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_TIMEZONE_LENGTH),
    SINGLE_LINE,
    DocumentedPattern(NO_CONTROL),
]
MarketCodeKey = Annotated[str, StringConstraints(pattern=MARKET_CODE_PATTERN)]
Sku = Annotated[str, StringConstraints(pattern=SKU_PATTERN), Field(examples=["MIBAND2-BLK"])]
# One price per market, and there are 249 ISO 3166 country codes.
MAX_PRICES = 249


class MarketIn(RequestBody):
    code: MarketCodeIn
    name: MarketName = Field(examples=["India"])
    currency: str = Field(pattern=r"^[A-Za-z]{3}$", examples=["INR"])
    locale: str = Field(pattern=LOCALE_PATTERN, examples=["en_IN"])
    timezone: TimezoneName | None = Field(
        default=None,
        description="An IANA time zone, in which the market's pages show times. Left out, the"
        " market keeps the zone it has (UTC for a new one).",
        examples=["Asia/Kolkata"],
    )


class MarketOut(ResponseBody):
    code: str
    name: str
    currency: str
    locale: str
    timezone: str = Field(examples=["Asia/Kolkata"])

    @classmethod
    def of(cls, market: Market) -> MarketOut:
        return cls(
            code=market.code,
            name=market.name,
            currency=market.currency,
            locale=market.locale,
            timezone=market.timezone,
        )


class MarketListOut(ResponseBody):
    markets: list[MarketOut]


class VariantIn(RequestBody):
    sku: Sku
    attributes: dict[AttributeName, AttributeValue] = Field(
        default_factory=dict,
        max_length=MAX_ATTRIBUTES,
        examples=[{"colour": "black"}],
        json_schema_extra=keys_named_by_pattern,
    )
    prices: dict[MarketCodeKey, AmountIn] = Field(
        min_length=1,
        max_length=MAX_PRICES,
        description="Market code -> price in that market's currency; at least one.",
        examples=[{"IN": "999", "US": "18.00"}],
        json_schema_extra=keys_named_by_pattern,
    )

    @field_validator("attributes", mode="before")
    @classmethod
    def _names_differ_once_trimmed(cls, given: object) -> object:
        # Trimming would merge "colour" and "colour " silently, the last value winning.
        if isinstance(given, dict):
            seen: set[str] = set()
            for name in given:
                if isinstance(name, str):
                    if name.strip() in seen:
                        raise ValueError(f"attribute {name.strip()!r} is given twice")
                    seen.add(name.strip())
        return given

    @field_validator("prices")
    @classmethod
    def _one_price_per_market(cls, prices: dict[str, str]) -> dict[str, str]:
        upper: dict[str, str] = {}
        for code, amount in prices.items():
            if code.upper() in upper:
                raise ValueError(f"{code.upper()} is given twice (market codes ignore case)")
            upper[code.upper()] = amount
        return upper


class ProductIn(RequestBody):
    name: ProductName = Field(examples=["Mi Band 2"])
    variants: list[VariantIn] = Field(min_length=1, max_length=MAX_VARIANTS)


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


class ProductQuery(RequestQuery):
    market: Line | None = Field(
        default=None,
        min_length=2,
        max_length=2,
        description="A market's two-letter code, either case: only its prices (404 if none).",
        examples=["IN"],
    )
