"""``OrderDeliveries`` in a Python process: a mixin of ``MemoryOrderRepository``, sharing its
orders and its feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from flashsale.orders.domain.delivery import Delivery, delivery_data
from flashsale.orders.domain.events import OrderEventKind, customer_actor
from flashsale.orders.domain.order import Order, OrderStatus


class _Feed(Protocol):
    def __call__(
        self,
        order_id: str,
        kind: OrderEventKind,
        at: datetime,
        actor: str,
        data: dict[str, Any] | None = None,
    ) -> None: ...


class MemoryOrderDeliveries:
    _orders: dict[str, Order]
    _event: _Feed

    def __init__(self) -> None:
        super().__init__()
        self._order_deliveries: dict[str, Delivery] = {}

    async def set_delivery(self, order_id: str, delivery: Delivery, at: datetime) -> bool:
        order = self._orders.get(order_id)
        if order is None or order.status is not OrderStatus.RESERVED:
            return False
        self._order_deliveries[order_id] = delivery
        self._event(
            order_id,
            OrderEventKind.DELIVERY_SET,
            at,
            customer_actor(order.customer_id),
            delivery_data(delivery),
        )
        return True

    async def delivery_of(self, order_id: str) -> Delivery | None:
        return self._order_deliveries.get(order_id)
