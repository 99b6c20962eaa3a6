"""How a customer's order reaches them: shipped (the default) or picked up at a store, chosen
while the order is reserved. Whether the store can serve it is the stores' question
(``stores/service/pickup.py``), asked before this."""

from __future__ import annotations

from typing import Protocol

from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import NotFound
from flashsale.orders.domain.delivery import SHIP, Delivery
from flashsale.orders.domain.order import Order
from flashsale.orders.errors import OrderNotPayable
from flashsale.orders.ports import OrderDeliveries


class DeliveryRecord(OrderDeliveries, Protocol):
    async def order(self, order_id: str) -> Order | None: ...


class Deliveries:
    def __init__(self, store: DeliveryRecord, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def customers_order(self, customer_id: str, order_id: str) -> Order:
        """Another customer's order is reported missing, as in ``Orders.get``."""
        order = await self._store.order(order_id)
        if order is None or order.customer_id != customer_id:
            raise NotFound(f"no order {order_id[:64]}")
        return order

    async def choose(self, order: Order, delivery: Delivery) -> None:
        """409 (``OrderNotPayable``) once the order is no longer reserved: the allocator reads
        the choice when it meets ``order.paid``, so a later change would race it."""
        if not await self._store.set_delivery(order.id, delivery, self._clock.now()):
            raise OrderNotPayable(
                f"order {order.id} is no longer reserved; its delivery cannot change"
            )

    async def of(self, order_id: str) -> Delivery:
        return await self._store.delivery_of(order_id) or SHIP
