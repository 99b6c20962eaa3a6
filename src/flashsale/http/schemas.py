"""Request and response bodies. One definition serves validation, output and the OpenAPI doc."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from flashsale.catalog.market import Market
from flashsale.catalog.model import Product
from flashsale.customers.model import Customer
from flashsale.http.edge import Line, Text
from flashsale.orders.domain.order import Order
from flashsale.sales.domain.purchase import MAX_QUANTITY
from flashsale.sales.domain.sale import (
    EARLIEST_MOMENT,
    LATEST_MOMENT,
    MAX_PER_CUSTOMER_LIMIT,
    MAX_STOCK,
    moment_in_range,
)
from flashsale.sales.service.sales import SaleView


def _to_utc(moment: datetime) -> datetime:
    # Compared before converting: an offset can carry a moment past year 1 or 9999.
    if not moment_in_range(moment):
        raise ValueError(
            f"must lie between {EARLIEST_MOMENT.isoformat()} and {LATEST_MOMENT.isoformat()}"
        )
    return moment.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
# Amounts travel as decimal strings ("999.00"); integers are accepted, floats are not.
AmountIn = Annotated[Line | int, Field(examples=["999.00"])]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class MarketIn(_In):
    code: Line = Field(min_length=2, max_length=2, examples=["IN"])
    name: Line = Field(min_length=1, max_length=100, examples=["India"])
    currency: Line = Field(min_length=3, max_length=3, examples=["INR"])
    locale: Line = Field(min_length=2, max_length=20, examples=["en_IN"])


class MarketOut(_Out):
    code: str
    name: str
    currency: str
    locale: str

    @classmethod
    def of(cls, market: Market) -> MarketOut:
        return cls(
            code=market.code, name=market.name, currency=market.currency, locale=market.locale
        )


class MarketListOut(_Out):
    markets: list[MarketOut]


class CustomerIn(_In):
    email: Line = Field(max_length=254, examples=["fan@example.com"])
    password: Text = Field(max_length=1024)
    market: Line = Field(min_length=2, max_length=2, examples=["IN"])


class CustomerOut(_Out):
    id: str
    email: str
    market: str

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls(id=customer.id, email=customer.email, market=customer.market_code)


class SessionIn(_In):
    email: Line = Field(max_length=254)
    password: Text = Field(max_length=1024)


class SessionOut(_Out):
    token: str
    customer_id: str


class VariantIn(_In):
    sku: Line = Field(max_length=64, examples=["MIBAND2-BLK"])
    attributes: dict[Line, Annotated[Text, Field(max_length=200)]] = Field(default_factory=dict)
    prices: dict[Line, AmountIn] = Field(examples=[{"IN": "999", "US": "18.00"}])


class ProductIn(_In):
    name: Text = Field(min_length=1, max_length=200, examples=["Mi Band 2"])
    variants: list[VariantIn] = Field(min_length=1, max_length=100)


class PriceOut(_Out):
    amount: Decimal
    currency: str


class VariantOut(_Out):
    sku: str
    attributes: dict[str, str]
    prices: dict[str, PriceOut]


class ProductOut(_Out):
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


class ProductListOut(_Out):
    market: str | None
    products: list[ProductOut]


class SaleIn(_In):
    sku: Line = Field(max_length=64)
    market: Line = Field(min_length=2, max_length=2)
    stock: int = Field(gt=0, le=MAX_STOCK)
    per_customer_limit: int = Field(default=1, gt=0, le=MAX_PER_CUSTOMER_LIMIT)
    registration_opens_at: UtcDatetime
    registration_closes_at: UtcDatetime
    opens_at: UtcDatetime
    closes_at: UtcDatetime
    payment_window_seconds: float = Field(default=900.0, gt=0, le=7 * 24 * 3600)
    price: AmountIn | None = Field(
        default=None, description="A sale price; the variant's list price in the market if unset."
    )


class SaleEditIn(_In):
    """New terms for a sale before it opens; a field left out keeps its value."""

    stock: int | None = Field(default=None, gt=0, le=MAX_STOCK)
    per_customer_limit: int | None = Field(default=None, gt=0, le=MAX_PER_CUSTOMER_LIMIT)
    registration_opens_at: UtcDatetime | None = None
    registration_closes_at: UtcDatetime | None = None
    opens_at: UtcDatetime | None = None
    closes_at: UtcDatetime | None = None
    payment_window_seconds: float | None = Field(default=None, gt=0, le=7 * 24 * 3600)
    price: AmountIn | None = None


class SaleOut(_Out):
    id: str
    sku: str
    market: str
    price: Decimal
    currency: str
    state: str
    stock_total: int
    stock_left: int
    per_customer_limit: int
    registration_opens_at: datetime
    registration_closes_at: datetime
    opens_at: datetime
    closes_at: datetime
    payment_window_seconds: float
    server_time: datetime

    @classmethod
    def of(cls, view: SaleView) -> SaleOut:
        sale = view.sale
        return cls(
            id=sale.id,
            sku=sale.sku,
            market=sale.market_code,
            price=sale.price.amount,
            currency=sale.price.currency,
            state=view.state.value,
            stock_total=sale.stock_total,
            stock_left=max(0, view.stock_left),
            per_customer_limit=sale.per_customer_limit,
            registration_opens_at=sale.registration_opens_at,
            registration_closes_at=sale.registration_closes_at,
            opens_at=sale.opens_at,
            closes_at=sale.closes_at,
            payment_window_seconds=sale.payment_window.total_seconds(),
            server_time=view.server_time,
        )


class SaleListOut(_Out):
    sales: list[SaleOut]


class RegistrationOut(_Out):
    sale_id: str
    customer_id: str
    registered: bool
    new: bool


class PurchaseIn(_In):
    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)


class PurchaseOut(_Out):
    order_id: str
    sale_id: str
    status: str
    quantity: int
    amount: Decimal
    currency: str
    expires_at: datetime

    @classmethod
    def of(cls, order: Order) -> PurchaseOut:
        return cls(
            order_id=order.id,
            sale_id=order.sale_id,
            status=order.status.value,
            quantity=order.quantity,
            amount=order.amount.amount,
            currency=order.amount.currency,
            expires_at=order.expires_at,
        )


class OrderOut(_Out):
    id: str
    sale_id: str
    sku: str
    status: str
    quantity: int
    amount: Decimal
    currency: str
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, order: Order) -> OrderOut:
        return cls(
            id=order.id,
            sale_id=order.sale_id,
            sku=order.sku,
            status=order.status.value,
            quantity=order.quantity,
            amount=order.amount.amount,
            currency=order.amount.currency,
            created_at=order.created_at,
            expires_at=order.expires_at,
            paid_at=order.paid_at,
            closed_at=order.closed_at,
        )


class OrderListOut(_Out):
    orders: list[OrderOut]


class PaymentIn(_In):
    card: Line = Field(min_length=1, max_length=32, examples=["4242424242424242"])


class AuditOut(_Out):
    sale_id: str
    stock_total: int
    stock_left: int
    gate_stock_left: int | None
    # Units left in the record minus in the gate; the reconciler heals what persists.
    gate_drift: int | None
    gate_drift_healed: int  # units the reconciler moved into or out of the gate, all told
    units_counted: int  # the sale's counter of live units, which every commit checks
    reserved: int
    paid: int
    expired: int
    cancelled: int
    oversold: int
    customers_over_limit: int
    orders_without_payment_match: int
    conservation_ok: bool
    clean: bool


class HealthOut(_Out):
    status: str
