"""Bodies of a customer's orders and their payment."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from flashsale.http.edge import DocumentedPattern, Line
from flashsale.http.schemas.base import RequestBody, ResponseBody
from flashsale.http.schemas.fulfilment import OrderFulfilmentOut
from flashsale.orders.domain.order import Order


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


class PaymentIn(RequestBody):
    card: Annotated[Line, DocumentedPattern(CARD_PATTERN)] = Field(
        min_length=1, max_length=32, examples=["4242424242424242"]
    )
