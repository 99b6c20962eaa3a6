"""Where a customer's order goes: the address given at checkout, while the order is reserved."""

from __future__ import annotations

from flashsale.kernel.clock import Clock
from flashsale.kernel.errors import NotFound
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.orders.errors import OrderNotPayable
from flashsale.orders.ports import OrderRepository


class Shipping:
    def __init__(self, store: OrderRepository, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def set_address(self, customer_id: str, order_id: str, address: ShippingAddress) -> None:
        """Another customer's order is reported missing, as in Orders.get; an address without
        its country and region is refused (InvalidInput) before anything is written."""
        address.check_new()
        order = await self._store.order(order_id)
        if order is None or order.customer_id != customer_id:
            raise NotFound(f"no order {order_id}")
        if not await self._store.set_shipping_address(order_id, address, self._clock.now()):
            raise OrderNotPayable(
                f"order {order_id} is no longer reserved; its address cannot change"
            )

    async def address_of(self, order_id: str) -> ShippingAddress | None:
        return await self._store.shipping_address(order_id)
