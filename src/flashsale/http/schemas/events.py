"""The order event feed as JSON, like Stripe's ``/v1/events``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from flashsale.http.edge import Line
from flashsale.http.schemas.base import RequestQuery, ResponseBody
from flashsale.orders.domain.events import EventPage, OrderEvent, OrderEventKind
from flashsale.orders.service.events import MAX_PAGE

_KINDS = ", ".join(kind.value for kind in OrderEventKind)


class EventQuery(RequestQuery):
    after: Line | None = Field(
        default=None,
        max_length=40,
        description="The cursor to read on from (a page's next_cursor); none: the beginning.",
        examples=["0-0"],
    )
    limit: int = Field(default=100, ge=1, le=MAX_PAGE, description="Events at most.")
    kind: Line | None = Field(
        default=None,
        max_length=400,
        description=f"Only these kinds, comma-separated: {_KINDS}.",
        examples=["order.paid,order.cancelled"],
    )


class EventOrderOut(ResponseBody):
    """What the order is; no event changes these."""

    sale_id: str
    customer_id: str
    sku: str
    quantity: int
    amount: Decimal
    currency: str
    expires_at: datetime


class EventOut(ResponseBody):
    id: str
    cursor: str  # read on from here: ``after=`` this
    type: str
    order_id: str
    at: datetime
    actor: str
    order: EventOrderOut
    data: dict[str, Any]

    @classmethod
    def of(cls, event: OrderEvent) -> EventOut:
        facts = event.order
        return cls(
            id=event.id,
            cursor=str(event.cursor),
            type=event.kind.value,
            order_id=event.order_id,
            at=event.at,
            actor=event.actor,
            order=EventOrderOut(
                sale_id=facts.sale_id,
                customer_id=facts.customer_id,
                sku=facts.sku,
                quantity=facts.quantity,
                amount=Decimal(facts.amount),
                currency=facts.currency,
                expires_at=facts.expires_at,
            ),
            data=dict(event.data),
        )


class EventPageOut(ResponseBody):
    events: list[EventOut]
    next_cursor: str  # the same as ``after`` when nothing was new: ask again later
    has_more: bool  # the page was full: there may be more to read at once

    @classmethod
    def of(cls, page: EventPage, limit: int) -> EventPageOut:
        return cls(
            events=[EventOut.of(event) for event in page.events],
            next_cursor=str(page.next_cursor),
            has_more=len(page.events) == limit,
        )
