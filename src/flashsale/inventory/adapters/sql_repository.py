"""``InventoryRepository`` on SQLAlchemy Core: SQLite and PostgreSQL.

A move and its level change are one transaction. The level's row is read with the row locked
(``FOR UPDATE`` on PostgreSQL; SQLite's one writer holds the database), the domain decides the
move from it, and the level is written back guarded by the database's CHECKs as well: however
a bug computed it, on-hand never goes negative nor below what is promised.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace

from sqlalchemy import Connection, delete, func, insert, select, update

from flashsale.inventory.adapters import sql_rows as rows
from flashsale.inventory.adapters.sql_tables import allotments, locations, stock_levels, stock_moves
from flashsale.inventory.domain.allotment import Allotment
from flashsale.inventory.domain.audit import LedgerSum
from flashsale.inventory.domain.location import Location
from flashsale.inventory.domain.stock import Move, MoveKind, StockChange, StockLevel
from flashsale.inventory.errors import AllotmentAboveFree
from flashsale.kernel.errors import Conflict
from flashsale.platform.sql.database import SqlDatabase, conflict


class SqlInventoryRepository(SqlDatabase):
    async def add_location(self, location: Location) -> None:
        def work(conn: Connection) -> None:
            with conflict(f"location {location.code} exists already"):
                conn.execute(insert(locations).values(rows.location_row(location)))

        await self._write(work)

    async def replace_location(self, location: Location) -> bool:
        row = rows.location_row(location)
        statement = update(locations).where(locations.c.code == location.code).values(row)

        def work(conn: Connection) -> bool:
            return conn.execute(statement).rowcount == 1

        return await self._write(work)

    async def location(self, code: str) -> Location | None:
        async with self._engine.connect() as conn:
            found = (
                (await conn.execute(select(locations).where(locations.c.code == code)))
                .mappings()
                .one_or_none()
            )
        return None if found is None else rows.location_of(found)

    async def locations(self, market_code: str | None = None) -> list[Location]:
        query = select(locations).order_by(locations.c.code)
        if market_code is not None:
            query = query.where(locations.c.market_code == market_code)
        async with self._engine.connect() as conn:
            return [rows.location_of(r) for r in (await conn.execute(query)).mappings()]

    def _locked_level(self, conn: Connection, location: str, sku: str) -> StockLevel:
        """The level's row, locked for the transaction; made (all zero) when there is none, so
        that two first moves at a level take turns instead of colliding on its key."""
        c = stock_levels.c
        conn.execute(
            self._insert(stock_levels)
            .values(location=location, sku=sku, on_hand=0, allocated=0, committed=0)
            .on_conflict_do_nothing(index_elements=[c.location, c.sku])
        )
        query = select(stock_levels).where(c.location == location, c.sku == sku)
        if self._dialect == "postgresql":
            query = query.with_for_update()
        return rows.level_of(conn.execute(query).mappings().one())

    @staticmethod
    def _store_level(conn: Connection, level: StockLevel) -> None:
        c = stock_levels.c
        conn.execute(
            update(stock_levels)
            .where(c.location == level.location, c.sku == level.sku)
            .values(on_hand=level.on_hand, allocated=level.allocated, committed=level.committed)
        )

    async def record_changes(self, changes: Sequence[StockChange]) -> list[Move]:
        def work(conn: Connection) -> list[Move]:
            levels: dict[tuple[str, str], StockLevel] = {}
            moves: list[Move] = []
            for change in changes:
                key = (change.location, change.sku)
                level = levels.get(key) or self._locked_level(conn, *key)
                # InsufficientOnHand rolls the whole transaction back.
                levels[key], move = change.apply(level)
                moves.append(move)
            for level in levels.values():
                self._store_level(conn, level)
            written = []
            for move in moves:
                new_id = conn.execute(
                    insert(stock_moves).values(rows.move_row(move)).returning(stock_moves.c.id)
                ).scalar_one()
                written.append(replace(move, id=new_id))
            return written

        with conflict("a move names a location or SKU the record does not hold"):
            return await self._write(work)

    async def stock_levels(
        self, location: str | None = None, sku: str | None = None
    ) -> list[StockLevel]:
        c = stock_levels.c
        query = select(stock_levels).order_by(c.location, c.sku)
        if location is not None:
            query = query.where(c.location == location)
        if sku is not None:
            query = query.where(c.sku == sku)
        async with self._engine.connect() as conn:
            return [rows.level_of(r) for r in (await conn.execute(query)).mappings()]

    async def moves(self, location: str, sku: str | None = None, limit: int = 100) -> list[Move]:
        c = stock_moves.c
        query = select(stock_moves).where(c.location == location)
        if sku is not None:
            query = query.where(c.sku == sku)
        query = query.order_by(c.id.desc()).limit(limit)
        async with self._engine.connect() as conn:
            return [rows.move_of(r) for r in (await conn.execute(query)).mappings()]

    async def put_allotments(
        self, sale_id: str, sku: str, quantities: Mapping[str, int]
    ) -> list[Allotment]:
        a = allotments.c

        def work(conn: Connection) -> None:
            current = [
                rows.allotment_of(r)
                for r in conn.execute(select(allotments).where(a.sale_id == sale_id)).mappings()
            ]
            if any(x.drawn for x in current):
                raise Conflict(f"sale {sale_id} has orders allocated from its allotments already")
            changes: dict[str, int] = defaultdict(int)
            for x in current:
                changes[x.location] -= x.remaining
            for loc, units in quantities.items():
                changes[loc] += units
            for loc, change in sorted(changes.items()):  # in code order: no deadlock cycle
                level = self._locked_level(conn, loc, sku)
                if change > level.free:
                    raise AllotmentAboveFree(
                        f"{loc} has {level.free} of {sku} free; the allotment asks {change} more"
                    )
                self._store_level(conn, level.changed(committed=change))
            conn.execute(delete(allotments).where(a.sale_id == sale_id))
            conn.execute(
                insert(allotments),
                [
                    {
                        "sale_id": sale_id,
                        "location": loc,
                        "sku": sku,
                        "quantity": units,
                        "drawn": 0,
                        "closed": False,
                    }
                    for loc, units in sorted(quantities.items())
                ],
            )

        with conflict("an allotment names a location, SKU or sale the record does not hold"):
            await self._write(work)
        return await self.allotments(sale_id)

    async def allotments(self, sale_id: str | None = None) -> list[Allotment]:
        a = allotments.c
        query = select(allotments).order_by(a.sale_id, a.location)
        if sale_id is not None:
            query = query.where(a.sale_id == sale_id)
        async with self._engine.connect() as conn:
            return [rows.allotment_of(r) for r in (await conn.execute(query)).mappings()]

    async def trim_allotments(self, sale_id: str, remaining: Mapping[str, int]) -> None:
        a = allotments.c

        def work(conn: Connection) -> None:
            query = select(allotments).where(a.sale_id == sale_id).order_by(a.location)
            if self._dialect == "postgresql":
                query = query.with_for_update()
            for x in [rows.allotment_of(r) for r in conn.execute(query).mappings()]:
                keep = min(x.remaining, max(0, remaining.get(x.location, 0)))
                released = x.remaining - keep
                if released:
                    level = self._locked_level(conn, x.location, x.sku)
                    self._store_level(conn, level.changed(committed=-released))
                conn.execute(
                    update(allotments)
                    .where(a.sale_id == sale_id, a.location == x.location)
                    .values(quantity=x.drawn + keep, closed=True)
                )

        await self._write(work)

    async def ledger_sums(self) -> list[LedgerSum]:
        c = stock_moves.c
        query = (
            select(
                c.location, c.sku, c.kind, func.sum(c.on_hand_change), func.sum(c.allocated_change)
            )
            .group_by(c.location, c.sku, c.kind)
            .order_by(c.location, c.sku, c.kind)
        )
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).all()
        return [LedgerSum(r[0], r[1], MoveKind(r[2]), int(r[3]), int(r[4])) for r in found]
