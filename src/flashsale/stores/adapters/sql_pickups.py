"""``PickupRepository`` on SQLAlchemy Core: a mixin of the SQL store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from flashsale.platform.sql.database import SqlDatabase
from flashsale.stores.adapters.sql_pickup_tables import store_pickups as t
from flashsale.stores.domain.pickup import Pickup, PickupStatus

_READY = PickupStatus.READY.value


def _pickup(row: Any) -> Pickup:
    return Pickup(
        order_id=row.order_id,
        store=row.store,
        fulfilment_order_id=row.fulfilment_order_id,
        code=row.code,
        status=PickupStatus(row.status),
        ready_at=row.ready_at,
        due_at=row.due_at,
        closed_at=row.closed_at,
        clerk=row.clerk,
    )


class SqlPickupRepository(SqlDatabase):
    async def pickup_add(self, pickup: Pickup) -> bool:
        # Either key taken (the order's, or the store's open code): nothing written.
        statement = (
            self._insert(t)
            .values(
                order_id=pickup.order_id,
                store=pickup.store,
                fulfilment_order_id=pickup.fulfilment_order_id,
                code=pickup.code,
                status=pickup.status.value,
                ready_at=pickup.ready_at,
                due_at=pickup.due_at,
                closed_at=pickup.closed_at,
                clerk=pickup.clerk,
            )
            .on_conflict_do_nothing()
        )

        def add(conn: Connection) -> bool:
            return conn.execute(statement).rowcount == 1

        return await self._write(add)

    async def _one(self, *where: Any) -> Pickup | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(t).where(*where))).one_or_none()
        return None if row is None else _pickup(row)

    async def pickup_of_order(self, order_id: str) -> Pickup | None:
        return await self._one(t.c.order_id == order_id)

    async def pickup_by_code(self, store: str, code: str) -> Pickup | None:
        return await self._one(t.c.store == store, t.c.code == code, t.c.status == _READY)

    async def pickup_close(
        self, order_id: str, to: PickupStatus, at: datetime, clerk: str | None
    ) -> Pickup | None:
        values: dict[str, Any] = {"status": to.value, "closed_at": at}
        if clerk is not None:
            values["clerk"] = clerk
        statement = (
            update(t)
            .where(t.c.order_id == order_id, t.c.status == _READY)
            .values(**values)
            .returning(*t.c)
        )

        def close(conn: Connection) -> Pickup | None:
            row = conn.execute(statement).one_or_none()
            return None if row is None else _pickup(row)

        return await self._write(close)

    async def pickups_due(self, at: datetime, limit: int) -> list[Pickup]:
        query = (
            select(t)
            .where(t.c.status == _READY, t.c.due_at <= at)
            .order_by(t.c.due_at, t.c.order_id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [_pickup(row) for row in await conn.execute(query)]
