"""Bodies of a customer's orders and their payment."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from flashsale.catalog.market import PaymentMethod, PaymentMethods
from flashsale.http.edge import DocumentedPattern, Line
from flashsale.http.schemas.base import RequestBody, ResponseBody
from flashsale.http.schemas.fulfilment import OrderFulfilmentOut
from flashsale.orders.domain.order import Order, Payment
from flashsale.orders.domain.payment_methods import MAX_VPA, PaymentChoice


class OrderOut(ResponseBody):
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
    # Where it is on its way (GET /orders/{id} only): composed by the HTTP layer from
    # fulfilment, which the orders domain knows nothing of.
    fulfilment: OrderFulfilmentOut | None = None

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


class OrderListOut(ResponseBody):
    orders: list[OrderOut]


# A card number as a gateway takes it: 12 to 19 digits, spaced or dashed as printed.
CARD_PATTERN = r"^[ -]*(?:[0-9][ -]*){12,19}$"
# A UPI address (orders/domain/payment_methods.py checks it exactly): name@handle.
VPA_PATTERN = r"^[^@\s]+@[A-Za-z][A-Za-z0-9]*$"


class PaymentIn(RequestBody):
    """``{"card": …}`` (a card, as before methods were named), ``{"method": "card", "card":
    …}``, ``{"method": "upi", "vpa": "success@razorpay"}`` or ``{"method": "cod"}``: what the
    order's market offers (``GET …/payment-options``)."""

    method: Literal["card", "upi", "cod"] = "card"
    card: Annotated[Line, DocumentedPattern(CARD_PATTERN)] | None = Field(
        default=None, min_length=1, max_length=32, examples=["4242424242424242"]
    )
    vpa: Annotated[Line, DocumentedPattern(VPA_PATTERN)] | None = Field(
        default=None, min_length=3, max_length=MAX_VPA, examples=["success@razorpay"]
    )

    def choice(self) -> PaymentChoice:
        return PaymentChoice.of(self.method, self.card, self.vpa)


class PaymentOut(ResponseBody):
    method: str
    status: str  # succeeded; cash on delivery: due until delivered, uncollected if refused

    @classmethod
    def of(cls, payment: Payment) -> PaymentOut:
        return cls(method=payment.method.value, status=payment.status.value)


class PaymentOptionsOut(ResponseBody):
    order_id: str
    methods: list[str]  # the market's, in the order its checkout offers them
    usable: list[str]  # those that can pay this order (cash on delivery up to its limit)
    cod_limit: Decimal | None  # the largest order sent cash on delivery; none: no limit
    currency: str
    payment: PaymentOut | None  # how it was paid, once it is

    @classmethod
    def of(
        cls,
        order: Order,
        methods: PaymentMethods,
        usable: tuple[PaymentMethod, ...],
        payment: Payment | None,
    ) -> PaymentOptionsOut:
        return cls(
            order_id=order.id,
            methods=[m.value for m in methods.accepted],
            usable=[m.value for m in usable],
            cod_limit=methods.cod_limit if PaymentMethod.COD in methods.accepted else None,
            currency=order.amount.currency,
            payment=None if payment is None else PaymentOut.of(payment),
        )
