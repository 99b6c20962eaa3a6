"""What a customer settles while an order is reserved (its shipping address, its delivery
choice): one row per order, written with its event, only while the order is still reserved."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select

from flashsale.orders.adapters.sql_events import SqlOrderEventFeed
from flashsale.orders.adapters.sql_tables import orders
from flashsale.orders.domain.events import OrderEventKind, customer_actor
from flashsale.orders.domain.order import OrderStatus


class SqlReservedDetails(SqlOrderEventFeed):
    async def _set_while_reserved(
        self,
        table: Table,
        order_id: str,
        values: Mapping[str, Any],
        kind: OrderEventKind,
        data: Mapping[str, Any],
        at: datetime,
    ) -> bool:
        """False, and nothing written, when the order is missing or no longer reserved."""
        # Row-locked on PostgreSQL: a payment cannot land between the check and the write, so
        # a reader of paid orders (the allocator) never meets one whose details still move.
        status_now = (
            select(orders.c.status, orders.c.customer_id)
            .where(orders.c.id == order_id)
            .with_for_update()
        )
        upsert = self._insert(table).values(order_id=order_id, **values)
        upsert = upsert.on_conflict_do_update(index_elements=["order_id"], set_=dict(values))

        def save(conn: Connection) -> bool:
            now = conn.execute(status_now).one_or_none()
            if now is None or now.status != OrderStatus.RESERVED.value:
                return False
            conn.execute(upsert)
            event = {
                "order_id": order_id,
                "kind": kind.value,
                "at": at,
                "actor": customer_actor(now.customer_id),
                "data": dict(data),
            }
            self._append_events(conn, [event])
            return True

        return await self._write(save)
