"""``OrderDeliveries`` on SQLAlchemy Core: a mixin of ``SqlOrderRepository``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from flashsale.orders.adapters.sql_delivery_tables import order_deliveries
from flashsale.orders.adapters.sql_events import SqlOrderEventFeed
from flashsale.orders.adapters.sql_tables import orders
from flashsale.orders.domain.delivery import Delivery, DeliveryMethod, delivery_data
from flashsale.orders.domain.events import OrderEventKind, customer_actor
from flashsale.orders.domain.order import OrderStatus


class SqlOrderDeliveries(SqlOrderEventFeed):
    async def set_delivery(self, order_id: str, delivery: Delivery, at: datetime) -> bool:
        values = {"method": delivery.method.value, "store": delivery.store, "at": at}
        # Row-locked on PostgreSQL, as ``set_shipping_address``: a payment cannot land between
        # the check and the write, so the allocator never meets a paid order whose choice moves.
        status_now = (
            select(orders.c.status, orders.c.customer_id)
            .where(orders.c.id == order_id)
            .with_for_update()
        )
        upsert = self._insert(order_deliveries).values(order_id=order_id, **values)
        upsert = upsert.on_conflict_do_update(index_elements=["order_id"], set_=values)

        def save(conn: Connection) -> bool:
            now = conn.execute(status_now).one_or_none()
            if now is None or now.status != OrderStatus.RESERVED.value:
                return False
            conn.execute(upsert)
            event = {
                "order_id": order_id,
                "kind": OrderEventKind.DELIVERY_SET.value,
                "at": at,
                "actor": customer_actor(now.customer_id),
                "data": delivery_data(delivery),
            }
            self._append_events(conn, [event])
            return True

        return await self._write(save)

    async def delivery_of(self, order_id: str) -> Delivery | None:
        query = select(order_deliveries.c.method, order_deliveries.c.store).where(
            order_deliveries.c.order_id == order_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else Delivery(DeliveryMethod(row.method), row.store)
