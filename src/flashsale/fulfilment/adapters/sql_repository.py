"""``FulfilmentRepository`` on SQLAlchemy Core: fulfilment orders, settings, the audit's
reads. The allocator's feed read and batch write are in ``sql_allocation.py``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from flashsale.fulfilment.adapters import sql_rows as rows
from flashsale.fulfilment.adapters.sql_allocation import SqlAllocation
from flashsale.fulfilment.adapters.sql_tables import (
    fulfilment_cursors,
    fulfilment_orders,
    market_fulfilment,
)
from flashsale.fulfilment.domain.order import OPEN_STATUSES, FulfilmentOrder, FulfilmentStatus
from flashsale.fulfilment.domain.settings import MarketFulfilment
from flashsale.inventory.adapters import sql_rows as inventory_rows
from flashsale.inventory.adapters.sql_tables import allotments, locations, stock_levels
from flashsale.inventory.domain.allotment import Allotment
from flashsale.inventory.domain.stock import StockLevel
from flashsale.orders.domain.events import EventCursor
from flashsale.platform.sql.database import IDS_PER_STATEMENT

f = fulfilment_orders.c


class SqlFulfilmentRepository(SqlAllocation):
    async def allocator_cursor(self, name: str) -> EventCursor | None:
        c = fulfilment_cursors.c
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(c.xid, c.seq).where(c.name == name))).one_or_none()
        return None if row is None else EventCursor(row.xid, row.seq)

    async def allocation_snapshot(
        self, market_code: str
    ) -> tuple[list[StockLevel], list[Allotment]]:
        here = select(locations.c.code).where(locations.c.market_code == market_code)
        levels_query = select(stock_levels).where(stock_levels.c.location.in_(here))
        allotments_query = select(allotments).where(allotments.c.location.in_(here))
        # One transaction: on PostgreSQL REPEATABLE READ gives both reads one snapshot.
        async with self._engine.connect() as conn:
            if self._dialect == "postgresql":
                await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                levels = [
                    inventory_rows.level_of(r)
                    for r in (await conn.execute(levels_query)).mappings()
                ]
                allotted = [
                    inventory_rows.allotment_of(r)
                    for r in (await conn.execute(allotments_query)).mappings()
                ]
        return levels, allotted

    async def fulfilment_orders_of(self, source_ids: Sequence[str]) -> list[FulfilmentOrder]:
        found: list[FulfilmentOrder] = []
        ids = list(dict.fromkeys(source_ids))
        async with self._engine.connect() as conn:
            for start in range(0, len(ids), IDS_PER_STATEMENT):
                chunk = ids[start : start + IDS_PER_STATEMENT]
                query = select(fulfilment_orders).where(f.source_id.in_(chunk))
                found.extend(rows.fulfilment_of(r) for r in (await conn.execute(query)).mappings())
        return sorted(found, key=lambda fo: (fo.source_id, fo.part))

    async def unallocated_orders(self, market_code: str, limit: int) -> list[FulfilmentOrder]:
        return await self.fulfilment_orders(FulfilmentStatus.UNALLOCATED, market_code, None, limit)

    async def units_allocated(self, sale_ids: Sequence[str]) -> dict[str, int]:
        query = (
            select(f.sale_id, func.sum(f.quantity))
            .where(
                f.sale_id.in_(list(sale_ids)),
                f.status.not_in(
                    [FulfilmentStatus.UNALLOCATED.value, FulfilmentStatus.CANCELLED.value]
                ),
            )
            .group_by(f.sale_id)
        )
        async with self._engine.connect() as conn:
            return {row[0]: int(row[1]) for row in (await conn.execute(query)).all()}

    async def put_market_fulfilment(self, settings: MarketFulfilment) -> None:
        row = rows.settings_row(settings)
        statement = (
            self._insert(market_fulfilment)
            .values(row)
            .on_conflict_do_update(index_elements=[market_fulfilment.c.market_code], set_=row)
        )

        def work(conn: Connection) -> None:
            conn.execute(statement)

        await self._write(work)

    async def market_fulfilment(self, market_code: str) -> MarketFulfilment | None:
        query = select(market_fulfilment).where(market_fulfilment.c.market_code == market_code)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else rows.settings_of(row)

    async def open_allocations(self) -> Mapping[tuple[str, str], int]:
        query = (
            select(f.location, f.sku, func.sum(f.quantity))
            .where(f.status.in_([s.value for s in OPEN_STATUSES]))
            .group_by(f.location, f.sku)
        )
        async with self._engine.connect() as conn:
            return {(r[0], r[1]): int(r[2]) for r in (await conn.execute(query)).all()}

    async def fulfilment_orders(
        self,
        status: FulfilmentStatus | None = None,
        market_code: str | None = None,
        location: str | None = None,
        limit: int = 100,
    ) -> list[FulfilmentOrder]:
        query = select(fulfilment_orders)
        if status is not None:
            query = query.where(f.status == status.value)
        if market_code is not None:
            query = query.where(f.market_code == market_code)
        if location is not None:
            query = query.where(f.location == location)
        query = query.order_by(f.paid_at, f.id).limit(limit)
        async with self._engine.connect() as conn:
            return [rows.fulfilment_of(r) for r in (await conn.execute(query)).mappings()]

    async def fulfilment_order(self, fulfilment_order_id: str) -> FulfilmentOrder | None:
        query = select(fulfilment_orders).where(f.id == fulfilment_order_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return None if row is None else rows.fulfilment_of(row)

    async def move_fulfilment_order(
        self,
        fulfilment_order_id: str,
        expected: FulfilmentStatus,
        to: FulfilmentStatus,
        at: datetime,
    ) -> FulfilmentOrder | None:
        statement = (
            update(fulfilment_orders)
            .where(f.id == fulfilment_order_id, f.status == expected.value)
            .values(status=to.value, updated_at=at)
            .returning(*fulfilment_orders.c)
        )

        def work(conn: Connection) -> FulfilmentOrder | None:
            row = conn.execute(statement).mappings().one_or_none()
            return None if row is None else rows.fulfilment_of(row)

        return await self._write(work)
