"""``CustomerRepository`` on SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from flashsale.customers.adapters import sql_rows as rows
from flashsale.customers.adapters.sql_tables import customers
from flashsale.customers.model import Customer
from flashsale.platform.sql.database import SqlDatabase, conflict


class SqlCustomerRepository(SqlDatabase):
    async def add_customers(self, customers_: Sequence[Customer]) -> None:
        if not customers_:
            return
        params = [rows.customer_row(c) for c in customers_]
        with conflict("a customer with this id or email exists already"):
            await self._write(lambda conn: conn.execute(customers.insert(), params))

    async def customer(self, customer_id: str) -> Customer | None:
        return await self._one_customer(customers.c.id == customer_id)

    async def customer_by_email(self, email: str) -> Customer | None:
        return await self._one_customer(customers.c.email == email)

    async def _one_customer(self, where: Any) -> Customer | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(customers).where(where))).mappings().one_or_none()
        return None if row is None else rows.customer_of(row)
