"""The order behind a case, read through the orders' services and the order event feed: what
self-service answers from and what the agent's case view shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flashsale.desk.domain.self_service import OrderView, Shipment
from flashsale.kernel.batching import Batcher
from flashsale.orders.domain.events import OrderEvent, OrderEventKind
from flashsale.orders.domain.order import Order, Payment
from flashsale.orders.domain.refunds import Refund
from flashsale.orders.service.events import OrderEvents
from flashsale.orders.service.orders import Orders
from flashsale.orders.service.refunds import Refunds

_RETURNS = frozenset(
    {
        OrderEventKind.RETURN_REQUESTED,
        OrderEventKind.RETURN_APPROVED,
        OrderEventKind.RETURN_DECLINED,
        OrderEventKind.RETURN_RECEIVED,
        OrderEventKind.RETURN_REFUNDED,
        OrderEventKind.RETURN_CANCELLED,
        OrderEventKind.RETURN_CLOSED,
    }
)


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """Everything the desk shows of an order: the order, its payment, refunds and history
    (fulfilment's events among it, once fulfilment writes them)."""

    order: Order
    payment: Payment | None
    refunds: list[Refund]
    history: list[OrderEvent]
    view: OrderView


class OrderLookup:
    def __init__(
        self, orders: Orders, refunds: Refunds, events: OrderEvents, *, public_url: str
    ) -> None:
        self._orders = orders
        self._refunds = refunds
        self._events = events
        self._public_url = public_url.rstrip("/")
        # Self-service asks this of every contact: one read for all that arrived meanwhile.
        self._ordered: Batcher[str, bool] = Batcher(self._have_orders, max_batch=1000)

    async def of_customer(self, customer_id: str, order_id: str) -> Order:
        """404 for another customer's order, as the orders' own pages answer."""
        return await self._orders.get(customer_id, order_id)

    async def has_orders(self, customer_id: str) -> bool:
        return await self._ordered.submit(customer_id)

    async def _have_orders(self, customer_ids: Sequence[str]) -> list[bool]:
        found = await self._orders.customers_with_orders(customer_ids)
        return [customer_id in found for customer_id in customer_ids]

    async def find(self, order_id: str) -> Order | None:
        return await self._orders.find(order_id)

    async def record(self, order_id: str) -> OrderRecord | None:
        order = await self._orders.find(order_id)
        if order is None:
            return None
        payment = await self._orders.payment_of(order_id)
        refunds = await self._refunds.of_order(order_id)
        history = await self._events.history(order_id)
        return OrderRecord(order, payment, refunds, history, self._view(order, refunds, history))

    def url(self, order_id: str) -> str:
        return f"{self._public_url}/orders/{order_id}"

    def _view(self, order: Order, refunds: list[Refund], history: list[OrderEvent]) -> OrderView:
        shipment: Shipment | None = None
        return_status: str | None = None
        for event in history:
            if event.kind is OrderEventKind.SHIPPED:
                shipment = Shipment(
                    _text(event.data, "carrier"), _text(event.data, "tracking_number"), event.at
                )
            elif event.kind is OrderEventKind.DELIVERED and shipment is not None:
                shipment = Shipment(
                    shipment.carrier, shipment.tracking_number, shipment.shipped_at, event.at
                )
            elif event.kind in _RETURNS:
                return_status = event.kind.value
        return OrderView(
            id=order.id,
            status=order.status.value,
            sku=order.sku,
            quantity=order.quantity,
            amount=f"{order.amount.amount} {order.amount.currency}",
            created_at=order.created_at,
            expires_at=order.expires_at,
            paid_at=order.paid_at,
            closed_at=order.closed_at,
            refunds=tuple(
                (r.status.value, f"{r.amount.amount} {r.amount.currency}") for r in refunds
            ),
            shipment=shipment,
            return_status=return_status,
            url=self.url(order.id),
        )


def _text(data: Any, key: str) -> str:
    value = data.get(key) if hasattr(data, "get") else None
    return str(value) if value is not None else "?"
