"""The desk's set-up in SQL: queues, SLA policies, calendars and macros, each replaced whole by
its code (a calendar by its market)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, RowMapping, Table, delete, select

from flashsale.desk.adapters import sql_rows as rows
from flashsale.desk.adapters.sql_tables import (
    desk_calendars,
    desk_macros,
    desk_queues,
    desk_sla_policies,
)
from flashsale.desk.domain.calendar import Calendar
from flashsale.desk.domain.macros import Macro
from flashsale.desk.domain.sla import SlaPolicy
from flashsale.desk.domain.staffing import Queue
from flashsale.platform.sql.database import SqlDatabase

T = TypeVar("T")


class SqlDeskConfig(SqlDatabase):
    async def put_desk_queue(self, queue: Queue) -> None:
        await self._replace(desk_queues, "code", rows.queue_row(queue))

    async def desk_queues(self) -> list[Queue]:
        return await self._all(desk_queues, "code", rows.queue_of)

    async def put_sla_policy(self, policy: SlaPolicy) -> None:
        await self._replace(desk_sla_policies, "code", rows.policy_row(policy))

    async def sla_policies(self) -> list[SlaPolicy]:
        return await self._all(desk_sla_policies, "code", rows.policy_of)

    async def put_desk_calendar(self, calendar: Calendar) -> None:
        await self._replace(desk_calendars, "market", rows.calendar_row(calendar))

    async def desk_calendars(self) -> list[Calendar]:
        return await self._all(desk_calendars, "market", rows.calendar_of)

    async def put_macro(self, macro: Macro) -> None:
        await self._replace(desk_macros, "code", rows.macro_row(macro))

    async def macros(self) -> list[Macro]:
        return await self._all(desk_macros, "code", rows.macro_of)

    async def _replace(self, table: Table, key: str, row: dict[str, Any]) -> None:
        def work(conn: Connection) -> None:
            conn.execute(delete(table).where(table.c[key] == row[key]))
            conn.execute(table.insert(), row)

        await self._write(work)

    async def _all(self, table: Table, key: str, of: Callable[[RowMapping], T]) -> list[T]:
        async with self._engine.connect() as conn:
            found = (await conn.execute(select(table).order_by(table.c[key]))).mappings().all()
        return [of(row) for row in found]
