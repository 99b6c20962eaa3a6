"""``CashCollection`` on SQLAlchemy Core: a mixin of ``SqlOrderRepository``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Executable, select, update

from flashsale.catalog.market import PaymentMethod
from flashsale.orders.adapters.sql_cash_tables import cash_cursors
from flashsale.orders.adapters.sql_tables import payments
from flashsale.orders.domain.order import PaymentStatus
from flashsale.platform.sql.database import SqlDatabase

CURSOR = "cash-on-delivery"  # the one row: one collector's place


class SqlCashCollection(SqlDatabase):
    async def collect_cash(self, order_ids: Sequence[str], at: datetime) -> list[str]:
        if not order_ids:
            return []
        # Guarded by the status: a delivery read twice, or by two collectors, collects once.
        statement = (
            update(payments)
            .where(
                payments.c.order_id.in_(list(order_ids)),
                payments.c.method == PaymentMethod.COD.value,
                payments.c.status == PaymentStatus.DUE.value,
            )
            .values(status=PaymentStatus.SUCCEEDED.value)
            .returning(payments.c.order_id)
        )

        def collect(conn: Connection) -> list[str]:
            return [row.order_id for row in conn.execute(statement)]

        return await self._write(collect)

    async def cash_cursor(self) -> str | None:
        query = select(cash_cursors.c.cursor).where(cash_cursors.c.name == CURSOR)
        async with self._engine.connect() as conn:
            found: str | None = await conn.scalar(query)
        return found

    async def move_cash_cursor(self, expected: str | None, cursor: str, at: datetime) -> bool:
        c = cash_cursors.c
        statement: Executable
        if expected is None:
            statement = (
                self._insert(cash_cursors)
                .values(name=CURSOR, cursor=cursor, updated_at=at)
                .on_conflict_do_nothing(index_elements=[c.name])
            )
        else:
            statement = (
                update(cash_cursors)
                .where(c.name == CURSOR, c.cursor == expected)
                .values(cursor=cursor, updated_at=at)
            )

        def move(conn: Connection) -> bool:
            return conn.execute(statement).rowcount == 1

        return await self._write(move)
