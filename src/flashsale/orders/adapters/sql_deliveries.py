"""``OrderDeliveries`` on SQLAlchemy Core: a mixin of ``SqlOrderRepository``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from flashsale.orders.adapters.sql_delivery_tables import order_deliveries
from flashsale.orders.adapters.sql_reserved_details import SqlReservedDetails
from flashsale.orders.domain.delivery import Delivery, DeliveryMethod, delivery_data
from flashsale.orders.domain.events import OrderEventKind


class SqlOrderDeliveries(SqlReservedDetails):
    async def set_delivery(self, order_id: str, delivery: Delivery, at: datetime) -> bool:
        values = {"method": delivery.method.value, "store": delivery.store, "at": at}
        return await self._set_while_reserved(
            order_deliveries,
            order_id,
            values,
            OrderEventKind.DELIVERY_SET,
            delivery_data(delivery),
            at,
        )

    async def delivery_of(self, order_id: str) -> Delivery | None:
        query = select(order_deliveries.c.method, order_deliveries.c.store).where(
            order_deliveries.c.order_id == order_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else Delivery(DeliveryMethod(row.method), row.store)
