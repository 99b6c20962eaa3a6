"""``RelayCursorRepository`` on SQLAlchemy Core: one row per relay, moved by compare-and-set."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Executable, select, update

from flashsale.platform.sql.database import SqlDatabase
from flashsale.relay.adapters.sql_tables import relay_cursors


class SqlRelayCursorRepository(SqlDatabase):
    async def relay_cursor(self, name: str) -> str | None:
        query = select(relay_cursors.c.cursor).where(relay_cursors.c.name == name)
        async with self._engine.connect() as conn:
            found: str | None = await conn.scalar(query)
        return found

    async def move_relay_cursor(
        self, name: str, expected: str | None, cursor: str, at: datetime
    ) -> bool:
        c = relay_cursors.c
        statement: Executable
        if expected is None:
            statement = (
                self._insert(relay_cursors)
                .values(name=name, cursor=cursor, updated_at=at)
                .on_conflict_do_nothing(index_elements=[c.name])
            )
        else:
            statement = (
                update(relay_cursors)
                .where(c.name == name, c.cursor == expected)
                .values(cursor=cursor, updated_at=at)
            )

        def work(conn: Connection) -> bool:
            return conn.execute(statement).rowcount == 1

        return await self._write(work)
