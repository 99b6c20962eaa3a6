"""``PickupRepository`` on SQLAlchemy Core: a mixin of the SQL store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from flashsale.fulfilment.adapters.sql_rows import fulfilment_of
from flashsale.fulfilment.adapters.sql_tables import fulfilment_orders
from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus, SourceKind
from flashsale.inventory.adapters.sql_rows import move_row
from flashsale.inventory.adapters.sql_tables import stock_levels, stock_moves
from flashsale.inventory.domain.stock import Move
from flashsale.inventory.errors import InsufficientOnHand
from flashsale.orders.adapters.sql_delivery_tables import order_deliveries
from flashsale.platform.sql.database import SqlDatabase
from flashsale.stores.adapters.sql_pickup_tables import store_pickups as t
from flashsale.stores.domain.pickup import Pickup, PickupStatus
from flashsale.stores.domain.transfer import IN_TRANSIT

_READY = PickupStatus.READY.value
_IN_TRANSIT = sorted(status.value for status in IN_TRANSIT)


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

    def _in_transit(self) -> Any:
        """The query of the pickups' transfers in transit, joined to their orders' delivery."""
        f, d = fulfilment_orders.c, order_deliveries.c
        return (
            select(fulfilment_orders)
            .join(order_deliveries, d.order_id == f.source_id)
            .where(f.source_kind == SourceKind.PICKUP.value, f.status.in_(_IN_TRANSIT))
        )

    def _sent_to(self, store: str) -> Any:
        """The query of the transfers in transit to ``store`` (its orders' pickup store)."""
        f, d = fulfilment_orders.c, order_deliveries.c
        return self._in_transit().where(f.location != store, d.store == store)

    async def transfers_to(self, store: str, limit: int) -> list[FulfilmentOrder]:
        f = fulfilment_orders.c
        query = self._sent_to(store).order_by(f.paid_at, f.id).limit(limit)
        async with self._engine.connect() as conn:
            return [fulfilment_of(row) for row in (await conn.execute(query)).mappings()]

    async def transfers_from(self, location: str, limit: int) -> list[tuple[str, FulfilmentOrder]]:
        f, d = fulfilment_orders.c, order_deliveries.c
        query = (
            self._in_transit()
            .add_columns(d.store)
            .where(f.location == location, d.store != location)
            .order_by(f.paid_at, f.id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings()
            return [(str(row["store"]), fulfilment_of(row)) for row in rows]

    async def transfer_receive(
        self, fulfilment_order_id: str, store: str, moves: Sequence[Move], at: datetime
    ) -> FulfilmentOrder | None:
        f, lv = fulfilment_orders.c, stock_levels.c
        found = self._sent_to(store).where(f.id == fulfilment_order_id)
        make_level = (
            self._insert(stock_levels)
            .values(location=store, sku=moves[0].sku if moves else "", on_hand=0, allocated=0,
                    committed=0)
            .on_conflict_do_nothing()
        )  # fmt: skip

        def work(conn: Connection) -> FulfilmentOrder | None:
            row = conn.execute(found).mappings().one_or_none()
            if row is None:
                return None
            fo = fulfilment_of(row)
            # Guarded on what was read: a second receipt of the same parcel moves nothing.
            moved = conn.execute(
                update(fulfilment_orders)
                .where(f.id == fo.id, f.status == fo.status.value, f.location == fo.location)
                .values(status=FulfilmentStatus.ALLOCATED.value, location=store, updated_at=at)
            ).rowcount
            if moved != 1:
                return None
            conn.execute(make_level)
            for m in moves:
                changed = conn.execute(
                    update(stock_levels)
                    .where(
                        lv.location == m.location,
                        lv.sku == m.sku,
                        lv.on_hand + m.on_hand_change >= 0,
                        lv.allocated + m.allocated_change >= 0,
                    )
                    .values(
                        on_hand=lv.on_hand + m.on_hand_change,
                        allocated=lv.allocated + m.allocated_change,
                    )
                ).rowcount
                if changed != 1:
                    raise InsufficientOnHand(
                        f"{m.sku} at {m.location}: fewer units on hand or allocated than the"
                        f" transfer moves ({abs(m.on_hand_change)})"
                    )
            conn.execute(insert(stock_moves), [move_row(m) for m in moves])
            return replace(fo, status=FulfilmentStatus.ALLOCATED, location=store, updated_at=at)

        return await self._write(work)
