"""``OrderRepository`` on SQLAlchemy Core, its group commit specialised per engine
(``sqlite_orders.py``, ``pg_orders.py``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from flashsale.kernel.errors import InvalidInput
from flashsale.orders.adapters import sql_rows as rows
from flashsale.orders.adapters.pg_orders import PostgresOrderInserter
from flashsale.orders.adapters.sql_cash import SqlCashCollection
from flashsale.orders.adapters.sql_deliveries import SqlOrderDeliveries
from flashsale.orders.adapters.sql_events import SqlOrderEventFeed
from flashsale.orders.adapters.sql_refunds import SqlRefundRepository
from flashsale.orders.adapters.sql_tables import (
    orders,
    payments,
    sale_stock,
    shipping_addresses,
)
from flashsale.orders.adapters.sqlite_orders import SqliteOrderInserter
from flashsale.orders.domain.events import (
    OrderEventKind,
    address_data,
    closing_actor,
    customer_actor,
    paid_data,
)
from flashsale.orders.domain.order import Order, OrderStatus, Payment
from flashsale.orders.domain.placement import Placement
from flashsale.orders.domain.search import OrderQuery
from flashsale.orders.domain.shipping import ShippingAddress
from flashsale.platform.sql.database import IDS_PER_STATEMENT, SqlDatabase, conflict
from flashsale.platform.sql.pairs import pairs_in
from flashsale.platform.sql.sqlite_writer import SqliteWriter

_CLOSING = frozenset({OrderStatus.EXPIRED, OrderStatus.CANCELLED})
_KEYS_PER_STATEMENT = 500  # two bound parameters each


class SqlOrderRepository(
    SqlOrderDeliveries, SqlRefundRepository, SqlOrderEventFeed, SqlCashCollection, SqlDatabase
):
    def __init__(self, engine: AsyncEngine, writer: SqliteWriter | None = None) -> None:
        super().__init__(engine, writer)
        self._sqlite_orders = SqliteOrderInserter(engine.dialect)
        # PostgreSQL: the group commit's batch is one statement with one JSON parameter.
        self._pg_orders = (
            PostgresOrderInserter(engine.dialect) if self._dialect == "postgresql" else None
        )
        # The group commit's own pool, which does not ping on checkout (see pg_orders); its
        # batches go one at a time, so two connections (and two more for other writers) do.
        self._commit_engine = (
            create_async_engine(
                engine.url,
                pool_pre_ping=False,
                pool_size=2,
                max_overflow=2,
                hide_parameters=True,  # customers' data stays out of error messages and logs
            )
            if self._pg_orders is not None
            else engine
        )
        self._pay_order = (
            update(orders)
            .where(
                orders.c.id == bindparam("order"),
                orders.c.status == OrderStatus.RESERVED.value,
                orders.c.expires_at > bindparam("at"),
            )
            .values(status=OrderStatus.PAID.value, paid_at=bindparam("at"))
            .returning(orders.c.customer_id)
        )

    def keep_order_events(self, on: bool) -> None:
        self._order_events = on
        self._sqlite_orders.with_events = on
        if self._pg_orders is not None:
            self._pg_orders.with_events = on

    async def insert_orders(self, orders_: Sequence[Order]) -> Placement:
        batch: list[Order] = []
        keys: set[tuple[str, str]] = set()
        for order in orders_:
            if order.idempotency_key is not None:
                key = (order.customer_id, order.idempotency_key)
                # Within one batch the first order of a key wins, as it would across batches.
                if key in keys:
                    continue
                keys.add(key)
            batch.append(order)
        if not batch:
            return Placement()
        params = [rows.order_row(order) for order in batch]
        with conflict("an order of this batch exists already, or its sale does not"):
            if self._pg_orders is not None:
                return await self._pg_orders.place(self._commit_engine, params)
            prepared = self._sqlite_orders.prepare(batch, params)
            return await self._write(prepared.run)

    async def order(self, order_id: str) -> Order | None:
        return (await self.orders_by_id([order_id])).get(order_id)

    async def orders_by_id(self, order_ids: Sequence[str]) -> dict[str, Order]:
        wanted = list(dict.fromkeys(order_ids))
        found: dict[str, Order] = {}
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), IDS_PER_STATEMENT):
                chunk = wanted[start : start + IDS_PER_STATEMENT]
                result = await conn.execute(select(orders).where(orders.c.id.in_(chunk)))
                found.update((o.id, o) for o in map(rows.order_of, result.mappings()))
        return found

    async def orders_by_idempotency_keys(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Order]:
        wanted = list(dict.fromkeys(keys))
        found: dict[tuple[str, str], Order] = {}
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), _KEYS_PER_STATEMENT):
                chunk = wanted[start : start + _KEYS_PER_STATEMENT]
                keyed = pairs_in(orders.c.customer_id, orders.c.idempotency_key, chunk)
                result = await conn.execute(select(orders).where(keyed))
                for row in result.mappings():
                    order = rows.order_of(row)
                    assert order.idempotency_key is not None
                    found[(order.customer_id, order.idempotency_key)] = order
        return found

    async def orders_of_customer(self, customer_id: str) -> list[Order]:
        query = (
            select(orders)
            .where(orders.c.customer_id == customer_id)
            .order_by(orders.c.created_at.desc(), orders.c.id.desc())
        )
        return await self._orders(query)

    async def customers_with_orders(self, customer_ids: Sequence[str]) -> set[str]:
        wanted = list(dict.fromkeys(customer_ids))
        found: set[str] = set()
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), _KEYS_PER_STATEMENT):
                chunk = wanted[start : start + _KEYS_PER_STATEMENT]
                query = select(orders.c.customer_id).where(orders.c.customer_id.in_(chunk))
                result = await conn.execute(query.distinct())
                found.update(row[0] for row in result)
        return found

    async def orders_of_sale(
        self, sale_id: str, status: OrderStatus | None = None, limit: int = 1000
    ) -> list[Order]:
        query = select(orders).where(orders.c.sale_id == sale_id)
        if status is not None:
            query = query.where(orders.c.status == status.value)
        return await self._orders(query.order_by(orders.c.created_at, orders.c.id).limit(limit))

    async def search_orders(self, query: OrderQuery) -> list[Order]:
        if query.sale_ids == ():
            return []
        found = select(orders)
        if query.sale_ids is not None:
            found = found.where(orders.c.sale_id.in_(query.sale_ids))
        if query.status is not None:
            found = found.where(orders.c.status == query.status.value)
        if query.customer_id is not None:
            found = found.where(orders.c.customer_id == query.customer_id)
        if (after := query.after) is not None:
            # Spelt out rather than a row value, with the bound on created_at alone repeated:
            # it is what lets both engines start the index scan at the cursor (an OR alone is
            # a filter, and page 20,000 of a million orders read every row before it).
            found = found.where(
                orders.c.created_at <= after.created_at,
                or_(
                    orders.c.created_at < after.created_at,
                    and_(orders.c.created_at == after.created_at, orders.c.id < after.order_id),
                ),
            )
        newest_first = found.order_by(orders.c.created_at.desc(), orders.c.id.desc())
        return await self._orders(newest_first.limit(query.limit))

    async def _orders(self, query: Any) -> list[Order]:
        async with self._engine.connect() as conn:
            return [rows.order_of(r) for r in (await conn.execute(query)).mappings()]

    async def mark_paid(self, payments_: Sequence[Payment]) -> set[str]:
        if not payments_:
            return set()
        params = [{"order": p.order_id, "at": p.created_at} for p in payments_]

        def pay(conn: Connection) -> set[str]:
            # One guarded UPDATE per payment (what it returns says whether this payment won),
            # all in the batch's one transaction: one commit, one fsync, for every payer.
            stored: list[Payment] = []
            events: list[dict[str, Any]] = []
            for payment, param in zip(payments_, params, strict=True):
                customer_id = conn.execute(self._pay_order, param).scalar_one_or_none()
                if customer_id is None:
                    continue
                stored.append(payment)
                events.append(
                    {
                        "order_id": payment.order_id,
                        "kind": OrderEventKind.PAID.value,
                        "at": payment.created_at,
                        "actor": customer_actor(customer_id),
                        "data": paid_data(payment),
                    }
                )
            if stored:
                conn.execute(payments.insert(), [rows.payment_row(p) for p in stored])
                self._append_events(conn, events)
            return {p.id for p in stored}

        with conflict("an order has a payment already"):
            return await self._write(pay)

    async def payment_of(self, order_id: str) -> Payment | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(payments).where(payments.c.order_id == order_id))
            row = found.mappings().one_or_none()
        return None if row is None else rows.payment_of(row)

    async def close_orders(
        self,
        order_ids: Sequence[str],
        to: OrderStatus,
        at: datetime,
        actor: str | None = None,
    ) -> list[Order]:
        if to not in _CLOSING:
            raise InvalidInput(f"orders close as expired or cancelled, not {to}")
        wanted = list(dict.fromkeys(order_ids))

        def close(conn: Connection) -> dict[str, Order]:
            closed: dict[str, Order] = {}
            for start in range(0, len(wanted), IDS_PER_STATEMENT):
                chunk = wanted[start : start + IDS_PER_STATEMENT]
                # The status guard is the exactly-once: of two racing closers only one matches.
                moved = conn.execute(
                    update(orders)
                    .where(orders.c.id.in_(chunk), orders.c.status == OrderStatus.RESERVED.value)
                    .values(status=to.value, closed_at=at)
                    .returning(*orders.c)
                )
                for row in moved.mappings():
                    closed[row["id"]] = rows.order_of(row)
            freed: dict[str, int] = defaultdict(int)
            for order in closed.values():
                freed[order.sale_id] += order.quantity
            if freed:
                # In id order: closers and commits lock the sales' counts in one order, so
                # never each other's in a cycle.
                conn.execute(
                    update(sale_stock)
                    .where(sale_stock.c.sale_id == bindparam("sale"))
                    .values(units_held=sale_stock.c.units_held - bindparam("units")),
                    [{"sale": s, "units": n} for s, n in sorted(freed.items())],
                )
            kind = OrderEventKind.of_status(to).value
            self._append_events(
                conn,
                [
                    {
                        "order_id": order_id,
                        "kind": kind,
                        "at": at,
                        "actor": closing_actor(closed[order_id], to, actor),
                        "data": None,
                    }
                    for order_id in wanted
                    if order_id in closed
                ],
            )
            return closed

        closed = await self._write(close)
        return [closed[i] for i in wanted if i in closed]

    async def due_for_expiry(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        query = (
            select(orders.c.id, orders.c.sale_id)
            .where(orders.c.status == OrderStatus.RESERVED.value, orders.c.expires_at <= now)
            .order_by(orders.c.expires_at, orders.c.id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [(row.id, row.sale_id) for row in await conn.execute(query)]

    async def set_shipping_address(
        self, order_id: str, address: ShippingAddress, at: datetime
    ) -> bool:
        return await self._set_while_reserved(
            shipping_addresses,
            order_id,
            rows.address_values(address),
            OrderEventKind.ADDRESS_SET,
            address_data(address),
            at,
        )

    async def shipping_address(self, order_id: str) -> ShippingAddress | None:
        query = select(shipping_addresses).where(shipping_addresses.c.order_id == order_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else rows.address_of(row)

    async def close(self) -> None:
        if self._commit_engine is not self._engine:
            await self._commit_engine.dispose()
        await super().close()
