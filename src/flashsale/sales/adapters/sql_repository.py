"""``SaleRepository`` on SQLAlchemy Core.

A sale's units live in the orders' tables: its counter of live units (``sale_stock``, made
here with the sale) and the orders themselves, which the audit and the holds are counted from.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from flashsale.kernel.errors import InvalidInput
from flashsale.orders.adapters.sql_tables import orders, payments, sale_stock
from flashsale.orders.domain.order import LIVE_STATUSES, OrderStatus
from flashsale.platform.sql.columns import amounts_equal
from flashsale.platform.sql.database import SqlDatabase, conflict
from flashsale.platform.sql.sqlite_writer import SqliteWriter
from flashsale.sales.adapters import sql_rows as rows
from flashsale.sales.adapters.sql_tables import registrations, sales
from flashsale.sales.domain.audit import UnitsByStatus
from flashsale.sales.domain.sale import FlashSale
from flashsale.sales.ports import AuditFacts

log = logging.getLogger(__name__)
_LIVE = sorted(s.value for s in LIVE_STATUSES)
# A sale keeps these when its terms change: registrations and rooms refer to them.
_FIXED_SALE_COLUMNS = frozenset({"id", "sku", "market_code"})


class SqlSaleRepository(SqlDatabase):
    def __init__(self, engine: AsyncEngine, writer: SqliteWriter | None = None) -> None:
        super().__init__(engine, writer)
        self._insert_registrations = (
            self._insert(registrations)
            .on_conflict_do_nothing(index_elements=["sale_id", "customer_id"])
            .returning(registrations.c.customer_id)
        )

    async def add_sale(self, sale: FlashSale) -> None:
        row = rows.sale_row(sale)

        def add(conn: Connection) -> None:
            conn.execute(sales.insert(), row)
            conn.execute(sale_stock.insert(), {"sale_id": sale.id})

        with conflict(f"sale {sale.id} exists already"):
            await self._write(add)

    async def sale(self, sale_id: str) -> FlashSale | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(sales).where(sales.c.id == sale_id))
            row = found.mappings().one_or_none()
        return None if row is None else rows.sale_of(row)

    async def sales(self) -> list[FlashSale]:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(sales).order_by(sales.c.opens_at, sales.c.id))
            listed = []
            for row in found.mappings():
                # One row no sale can be made of (written by hand, or by older code) must not
                # take every other sale down with it: it is named in the log and left out.
                try:
                    listed.append(rows.sale_of(row))
                except (InvalidInput, ValueError, OverflowError) as exc:
                    log.error(
                        "sale %s could not be read from the record, left out: %s", row["id"], exc
                    )
            return listed

    async def replace_sale(self, sale: FlashSale) -> bool:
        terms = {k: v for k, v in rows.sale_row(sale).items() if k not in _FIXED_SALE_COLUMNS}
        statement = update(sales).where(sales.c.id == sale.id).values(**terms)
        return bool(await self._write(lambda conn: conn.execute(statement).rowcount == 1))

    async def add_registrations(
        self, sale_id: str, customer_ids: Sequence[str], at: datetime
    ) -> int:
        unique_ids = dict.fromkeys(customer_ids)
        if not unique_ids:
            return 0
        params = [{"sale_id": sale_id, "customer_id": c, "created_at": at} for c in unique_ids]
        with conflict(f"sale {sale_id} or one of the customers does not exist"):
            return await self._write(
                lambda conn: len(conn.execute(self._insert_registrations, params).all())
            )

    async def is_registered(self, sale_id: str, customer_id: str) -> bool:
        query = select(registrations.c.sale_id).where(
            registrations.c.sale_id == sale_id, registrations.c.customer_id == customer_id
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).first() is not None

    async def registered_customers(self, sale_id: str) -> list[str]:
        query = (
            select(registrations.c.customer_id)
            .where(registrations.c.sale_id == sale_id)
            .order_by(registrations.c.created_at, registrations.c.customer_id)
        )
        async with self._engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def count_registrations(self, sale_id: str) -> int:
        query = select(func.count()).where(registrations.c.sale_id == sale_id)
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def held_by_customer(self, sale_id: str) -> dict[str, int]:
        query = (
            select(orders.c.customer_id, func.sum(orders.c.quantity))
            .where(orders.c.sale_id == sale_id, orders.c.status.in_(_LIVE))
            .group_by(orders.c.customer_id)
        )
        async with self._engine.connect() as conn:
            return {customer: int(held) for customer, held in await conn.execute(query)}

    async def units_held(self, sale_ids: Sequence[str]) -> dict[str, int]:
        query = select(sale_stock.c.sale_id, sale_stock.c.units_held).where(
            sale_stock.c.sale_id.in_(list(sale_ids))
        )
        async with self._engine.connect() as conn:
            return {sale_id: int(units) for sale_id, units in await conn.execute(query)}

    async def add_gate_drift_healed(self, sale_id: str, units: int) -> None:
        statement = (
            update(sale_stock)
            .where(sale_stock.c.sale_id == sale_id)
            .values(gate_drift_healed=sale_stock.c.gate_drift_healed + abs(units))
        )
        await self._write(lambda conn: conn.execute(statement))

    async def audit_facts(self, sale: FlashSale) -> AuditFacts:
        of_sale = orders.c.sale_id == sale.id
        units_query = (
            select(orders.c.status, func.sum(orders.c.quantity))
            .where(of_sale)
            .group_by(orders.c.status)
        )
        over_limit = (
            select(orders.c.customer_id)
            .where(of_sale, orders.c.status.in_(_LIVE))
            .group_by(orders.c.customer_id)
            .having(func.sum(orders.c.quantity) > sale.per_customer_limit)
            .subquery()
        )
        is_paid = orders.c.status == OrderStatus.PAID.value
        # A paid order cancelled later keeps its payment (its refund is a row of its own).
        may_have_paid = orders.c.status.in_([OrderStatus.PAID.value, OrderStatus.CANCELLED.value])
        has_payment = payments.c.id.is_not(None)
        matches = and_(
            payments.c.currency == orders.c.currency,
            amounts_equal(payments.c.amount, orders.c.amount, self._dialect),
        )
        mismatched = (
            select(func.count())
            .select_from(orders.outerjoin(payments, payments.c.order_id == orders.c.id))
            .where(
                of_sale,
                or_(
                    and_(is_paid, ~has_payment),
                    and_(has_payment, or_(~may_have_paid, ~matches)),
                ),
            )
        )
        counters = select(sale_stock.c.units_held, sale_stock.c.gate_drift_healed).where(
            sale_stock.c.sale_id == sale.id
        )
        async with self._engine.connect() as conn:
            units = {status: int(n) for status, n in await conn.execute(units_query)}
            over = (await conn.execute(select(func.count()).select_from(over_limit))).scalar_one()
            unmatched = (await conn.execute(mismatched)).scalar_one()
            counted, healed = (await conn.execute(counters)).one_or_none() or (0, 0)
        return AuditFacts(
            units=UnitsByStatus(
                reserved=units.get(OrderStatus.RESERVED.value, 0),
                paid=units.get(OrderStatus.PAID.value, 0),
                expired=units.get(OrderStatus.EXPIRED.value, 0),
                cancelled=units.get(OrderStatus.CANCELLED.value, 0),
            ),
            customers_over_limit=int(over),
            orders_without_payment_match=int(unmatched),
            units_counted=int(counted),
            gate_drift_healed=int(healed),
        )

    async def units_reserved(self, sale_id: str) -> int:
        query = select(func.coalesce(func.sum(orders.c.quantity), 0)).where(
            orders.c.sale_id == sale_id, orders.c.status == OrderStatus.RESERVED.value
        )
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())
