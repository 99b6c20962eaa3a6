"""Bodies of flash sales: creating and editing them, registering, buying, auditing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from flashsale.catalog.model import SKU_PATTERN
from flashsale.http.schemas.base import (
    AmountIn,
    MarketCodeIn,
    RequestBody,
    ResponseBody,
    UtcDatetime,
)
from flashsale.orders.domain.order import Order
from flashsale.sales.domain.audit import SaleAudit
from flashsale.sales.domain.purchase import MAX_QUANTITY
from flashsale.sales.domain.sale import MAX_PER_CUSTOMER_LIMIT, MAX_STOCK
from flashsale.sales.service.sales import MAX_PAYMENT_WINDOW_SECONDS, SaleView


class SaleIn(RequestBody):
    """A flash sale's terms. The timetable runs registration_opens_at < registration_closes_at
    <= opens_at < closes_at; the SKU's variant needs a price in the market unless one is given."""

    sku: str = Field(pattern=SKU_PATTERN, examples=["MIBAND2-BLK"])
    market: MarketCodeIn
    stock: int = Field(gt=0, le=MAX_STOCK)
    per_customer_limit: int = Field(default=1, gt=0, le=MAX_PER_CUSTOMER_LIMIT)
    registration_opens_at: UtcDatetime
    registration_closes_at: UtcDatetime
    opens_at: UtcDatetime
    closes_at: UtcDatetime
    payment_window_seconds: float = Field(default=900.0, gt=0, le=MAX_PAYMENT_WINDOW_SECONDS)
    price: AmountIn | None = Field(
        default=None,
        description="A sale price, in the market's currency and no finer than its minor unit;"
        " the variant's list price in the market if unset.",
    )


class SaleEditIn(RequestBody):
    """New terms for a sale before it opens; a field left out keeps its value."""

    stock: int | None = Field(default=None, gt=0, le=MAX_STOCK)
    per_customer_limit: int | None = Field(default=None, gt=0, le=MAX_PER_CUSTOMER_LIMIT)
    registration_opens_at: UtcDatetime | None = None
    registration_closes_at: UtcDatetime | None = None
    opens_at: UtcDatetime | None = None
    closes_at: UtcDatetime | None = None
    payment_window_seconds: float | None = Field(default=None, gt=0, le=MAX_PAYMENT_WINDOW_SECONDS)
    price: AmountIn | None = None


class SaleOut(ResponseBody):
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


class SaleListOut(ResponseBody):
    sales: list[SaleOut]


class RegistrationOut(ResponseBody):
    sale_id: str
    customer_id: str
    registered: bool
    new: bool


class PurchaseIn(RequestBody):
    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)


class PurchaseOut(ResponseBody):
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


class AuditOut(ResponseBody):
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

    @classmethod
    def of(cls, audit: SaleAudit) -> AuditOut:
        return cls(
            sale_id=audit.sale_id,
            stock_total=audit.stock_total,
            stock_left=audit.stock_left,
            gate_stock_left=audit.gate_stock_left,
            gate_drift=audit.gate_drift,
            gate_drift_healed=audit.gate_drift_healed,
            units_counted=audit.units_counted,
            reserved=audit.units.reserved,
            paid=audit.units.paid,
            expired=audit.units.expired,
            cancelled=audit.units.cancelled,
            oversold=audit.oversold,
            customers_over_limit=audit.customers_over_limit,
            orders_without_payment_match=audit.orders_without_payment_match,
            conservation_ok=audit.conservation_ok,
            clean=audit.clean,
        )
