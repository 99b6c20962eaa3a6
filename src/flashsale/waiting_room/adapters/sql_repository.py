"""``RoomRepository`` on SQLAlchemy Core; who registered is read from the sales' table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select, update

from flashsale.kernel.errors import InvalidInput
from flashsale.platform.sql.database import IDS_PER_STATEMENT, SqlDatabase, conflict
from flashsale.sales.adapters.sql_tables import registrations
from flashsale.waiting_room.adapters import sql_rows as rows
from flashsale.waiting_room.adapters.sql_tables import queue_positions, waiting_rooms
from flashsale.waiting_room.domain.room import RoomConfig


class SqlRoomRepository(SqlDatabase):
    async def put_room(self, room: RoomConfig) -> None:
        row = rows.room_row(room)
        stmt = self._insert(waiting_rooms)
        # Stored again, a room takes the new settings and keeps its seed and commitment.
        upsert = stmt.on_conflict_do_update(
            index_elements=["sale_id"],
            set_={name: stmt.excluded[name] for name in rows.SETTINGS_COLUMNS},
        )
        with conflict(f"sale {room.sale_id} does not exist"):
            await self._write(lambda conn: conn.execute(upsert, row))

    async def room(self, sale_id: str) -> RoomConfig | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(
                select(waiting_rooms).where(waiting_rooms.c.sale_id == sale_id)
            )
            row = found.mappings().one_or_none()
        return None if row is None else rows.room_of(row)

    async def rooms(self) -> list[RoomConfig]:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(waiting_rooms).order_by(waiting_rooms.c.sale_id))
            return [rows.room_of(r) for r in found.mappings()]

    async def publish_queue(self, sale_id: str, customer_ids: Sequence[str], at: datetime) -> bool:
        params = [
            {"sale_id": sale_id, "position": i, "customer_id": c}
            for i, c in enumerate(customer_ids, start=1)
        ]
        # The room row's sealed_at is the write-once latch: of two publishers one matches.
        latch = (
            update(waiting_rooms)
            .where(waiting_rooms.c.sale_id == sale_id, waiting_rooms.c.sealed_at.is_(None))
            .values(sealed_at=at)
        )

        exists = select(waiting_rooms.c.sale_id).where(waiting_rooms.c.sale_id == sale_id)
        per_statement = IDS_PER_STATEMENT // 3  # three bound parameters a row

        def publish(conn: Connection) -> bool:
            if conn.execute(latch).rowcount != 1:
                if conn.execute(exists).first() is None:
                    raise InvalidInput(f"sale {sale_id} has no waiting room")
                return False
            for start in range(0, len(params), per_statement):
                conn.execute(queue_positions.insert(), params[start : start + per_statement])
            return True

        with conflict("a customer holds one position"):
            return await self._write(publish)

    async def queue_positions(self, sale_id: str) -> list[tuple[str, int]]:
        query = (
            select(queue_positions.c.customer_id, queue_positions.c.position)
            .where(queue_positions.c.sale_id == sale_id)
            .order_by(queue_positions.c.position)
        )
        async with self._engine.connect() as conn:
            return [(c, int(p)) for c, p in await conn.execute(query)]

    async def registered_among(self, sale_id: str, customer_ids: Sequence[str]) -> set[str]:
        wanted = list(dict.fromkeys(customer_ids))
        found: set[str] = set()
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), IDS_PER_STATEMENT):
                query = select(registrations.c.customer_id).where(
                    registrations.c.sale_id == sale_id,
                    registrations.c.customer_id.in_(wanted[start : start + IDS_PER_STATEMENT]),
                )
                found.update((await conn.execute(query)).scalars())
        return found
