"""``ChannelRepository`` on SQLAlchemy Core: SQLite and PostgreSQL.

A pool and the level it commits units on are one transaction, the level's change a guarded
UPDATE (``on_hand - allocated - committed >= growth``), as a sale's allotment commits them.
An import chunk is one transaction too (``sql_import.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial

import asyncpg
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from flashsale.channels.adapters import sql_rows as rows
from flashsale.channels.adapters.sql_doors import door_counts
from flashsale.channels.adapters.sql_import import (
    KNOWN_CHUNK,
    P_KNOWN,
    P_KNOWN_COUNT,
    driver_of,
    import_sqlite,
    pg_chunk,
    sqlite_known,
)
from flashsale.channels.adapters.sql_returns import apply_returns
from flashsale.channels.adapters.sql_tables import (
    channel_order_lines,
    channel_pools,
    channel_prices,
    channel_returns,
    channels,
)
from flashsale.channels.domain.channel import Channel, ChannelPrice
from flashsale.channels.domain.order_line import OrderLine
from flashsale.channels.domain.planning import ChunkPlan
from flashsale.channels.domain.pool import Pool, PoolTarget
from flashsale.channels.domain.reconciliation import DaySku, with_returned
from flashsale.channels.domain.return_planning import ReturnPlan
from flashsale.channels.domain.returns import APPLIED, ReportedReturn
from flashsale.channels.errors import PoolAboveFree, PoolBelowConsumed
from flashsale.channels.ports import ChunkWritten, Planner, ReturnPlanner
from flashsale.inventory.adapters.sql_tables import stock_levels
from flashsale.inventory.domain.doors import DoorCount
from flashsale.kernel.errors import Conflict
from flashsale.platform.sql.database import SqlDatabase, conflict


class SqlChannelRepository(SqlDatabase):
    async def channel_add(self, channel: Channel) -> None:
        def work(conn: Connection) -> None:
            with conflict(f"channel {channel.code} exists already, or its market does not"):
                conn.execute(insert(channels).values(rows.channel_row(channel)))

        await self._write(work)

    async def channel_replace(self, channel: Channel) -> bool:
        statement = (
            update(channels)
            .where(channels.c.code == channel.code)
            .values(rows.channel_row(channel))
        )

        def work(conn: Connection) -> bool:
            return conn.execute(statement).rowcount == 1

        return await self._write(work)

    async def channel(self, code: str) -> Channel | None:
        async with self._engine.connect() as conn:
            found = (
                (await conn.execute(select(channels).where(channels.c.code == code)))
                .mappings()
                .one_or_none()
            )
        return None if found is None else rows.channel_of(found)

    async def channels(self) -> list[Channel]:
        async with self._engine.connect() as conn:
            found = await conn.execute(select(channels).order_by(channels.c.code))
            return [rows.channel_of(r) for r in found.mappings()]

    async def channel_put_prices(self, prices: Sequence[ChannelPrice]) -> None:
        if not prices:
            return
        c = channel_prices.c
        statement = self._insert(channel_prices)
        statement = statement.on_conflict_do_update(
            index_elements=[c.channel, c.sku],
            set_={"amount": statement.excluded.amount, "currency": statement.excluded.currency},
        )

        def work(conn: Connection) -> None:
            conn.execute(statement, [rows.price_row(p) for p in prices])

        with conflict("a price names a channel or SKU the record does not hold"):
            await self._write(work)

    async def channel_remove_price(self, channel: str, sku: str) -> bool:
        c = channel_prices.c
        statement = delete(channel_prices).where(c.channel == channel, c.sku == sku)

        def work(conn: Connection) -> bool:
            return conn.execute(statement).rowcount == 1

        return await self._write(work)

    async def channel_prices(self, channel: str) -> list[ChannelPrice]:
        c = channel_prices.c
        query = select(channel_prices).where(c.channel == channel).order_by(c.sku)
        async with self._engine.connect() as conn:
            return [rows.price_of(r) for r in (await conn.execute(query)).mappings()]

    async def pool_put(self, channel: str, targets: Sequence[PoolTarget]) -> list[Pool]:
        p, s = channel_pools.c, stock_levels.c

        def work(conn: Connection) -> None:
            for t in sorted(targets, key=lambda t: (t.location, t.sku)):  # no deadlock cycle
                conn.execute(
                    self._insert(channel_pools)
                    .values(channel=channel, location=t.location, sku=t.sku, units=0, consumed=0)
                    .on_conflict_do_nothing(index_elements=[p.channel, p.location, p.sku])
                )
                query = select(channel_pools).where(
                    p.channel == channel, p.location == t.location, p.sku == t.sku
                )
                if self._dialect == "postgresql":
                    query = query.with_for_update()
                current = rows.pool_of(conn.execute(query).mappings().one())
                if t.units < current.consumed:
                    raise PoolBelowConsumed(
                        f"{t.sku} at {t.location}: the partner has consumed {current.consumed}"
                        f" already; the pool cannot be {t.units}"
                    )
                change = t.units - current.units
                level = update(stock_levels).where(s.location == t.location, s.sku == t.sku)
                grow = level.where(s.on_hand - s.allocated - s.committed >= change)
                if (
                    change > 0
                    and conn.execute(grow.values(committed=s.committed + change)).rowcount != 1
                ):
                    raise PoolAboveFree(
                        f"{t.location} has {self._free(conn, t.location, t.sku)} of {t.sku}"
                        f" free; the pool asks {change} more"
                    )
                if change < 0:
                    conn.execute(level.values(committed=s.committed + change))
                conn.execute(
                    update(channel_pools)
                    .where(p.channel == channel, p.location == t.location, p.sku == t.sku)
                    .values(units=t.units)
                )

        with conflict("a pool names a channel, location or SKU the record does not hold"):
            await self._write(work)
        return await self.pools(channel)

    @staticmethod
    def _free(conn: Connection, location: str, sku: str) -> int:
        s = stock_levels.c
        found = conn.execute(
            select(s.on_hand - s.allocated - s.committed).where(
                s.location == location, s.sku == sku
            )
        ).scalar_one_or_none()
        return int(found or 0)

    async def pools(self, channel: str) -> list[Pool]:
        p = channel_pools.c
        query = select(channel_pools).where(p.channel == channel).order_by(p.location, p.sku)
        async with self._engine.connect() as conn:
            return [rows.pool_of(r) for r in (await conn.execute(query)).mappings()]

    async def pool_all(self) -> list[Pool]:
        p = channel_pools.c
        query = select(channel_pools).order_by(p.channel, p.location, p.sku)
        async with self._engine.connect() as conn:
            return [rows.pool_of(r) for r in (await conn.execute(query)).mappings()]

    async def door_counts(self, sku: str | None = None) -> list[DoorCount]:
        async with self._engine.connect() as conn:
            return await conn.run_sync(door_counts, sku)

    # -- import ---------------------------------------------------------------------------

    async def channel_import_chunk(
        self, channel: str, lines: Sequence[OrderLine], planner: Planner
    ) -> ChunkWritten:
        if self._dialect == "postgresql":
            plan = await self._import_postgres(channel, lines, planner)
        else:

            def work(conn: Connection) -> ChunkPlan:
                return import_sqlite(conn, channel, lines, planner)

            with conflict("an import names what the record does not hold"):
                plan = await self._write(work)
        return ChunkWritten(plan.imported, plan.duplicates, plan.rejected)

    async def _import_postgres(
        self, channel: str, lines: Sequence[OrderLine], planner: Planner
    ) -> ChunkPlan:
        async with self._engine.connect() as conn:
            driver = await driver_of(conn)
            try:
                async with driver.transaction():
                    return await pg_chunk(driver, channel, lines, planner)
            except asyncpg.IntegrityConstraintViolationError as exc:
                raise Conflict(f"an import names what the record does not hold ({exc})") from exc
            except asyncpg.PostgresError as exc:  # raised as SQLAlchemy raises them
                raise DBAPIError("channel import", None, exc) from exc
            except (OSError, asyncpg.InterfaceError):
                await conn.invalidate()
                raise

    async def channel_returns_chunk(
        self, channel: str, returns: Sequence[ReportedReturn], planner: ReturnPlanner
    ) -> ReturnPlan:
        postgres = self._dialect == "postgresql"

        def work(conn: Connection) -> ReturnPlan:
            return apply_returns(conn, postgres, channel, returns, planner)

        with conflict("a return names what the record does not hold"):
            return await self._write(work)

    async def channel_known_lines(
        self, channel: str, keys: Sequence[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        known: set[tuple[str, str]] = set()
        for start in range(0, len(keys), KNOWN_CHUNK):
            part = keys[start : start + KNOWN_CHUNK]
            if self._reader is not None:  # SQLite: on the reader's thread, off the writer's
                reader = self._reader
                known |= await reader.read(partial(sqlite_known, channel=channel, keys=part))
                continue
            known |= await self._pg_known(channel, part)
        return known

    async def _pg_known(
        self, channel: str, keys: Sequence[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        """Counted first, as ``sqlite_known`` does: a report sent again has all of its keys
        stored, a new one none, and then no key comes back over the wire."""
        wanted = dict.fromkeys(keys)  # each once, in the file's order: the index's, mostly
        args = ([k[0] for k in wanted], [k[1] for k in wanted])
        async with self._engine.connect() as conn:
            driver = await driver_of(conn)
            count = await driver.fetchval(P_KNOWN_COUNT, channel, *args)
            if count in (0, len(wanted)):
                return set(wanted) if count else set()
            found = await driver.fetch(P_KNOWN, channel, *args)
        return {(r[0], r[1]) for r in found}

    async def channel_reconciliation(self, channel: str, start: date, end: date) -> list[DaySku]:
        c = channel_order_lines.c
        query = (
            select(c.day, c.sku, c.status, c.problem, func.sum(c.quantity))
            .where(c.channel == channel, c.day >= start, c.day <= end)
            .group_by(c.day, c.sku, c.status, c.problem)
        )
        r = channel_returns.c
        back = (
            select(r.day, r.sku, func.sum(r.quantity))
            .where(r.channel == channel, r.day >= start, r.day <= end)
            .where(r.outcome.in_([o.value for o in APPLIED]))
            .group_by(r.day, r.sku)
        )
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).all()
            returned = {(day, sku): int(units) for day, sku, units in await conn.execute(back)}
        sums: dict[tuple[date, str], list[int]] = {}
        for day, sku, status, problem, units in found:
            row = sums.setdefault((day, sku), [0, 0, 0, 0, 0])
            row[0] += units
            if status == "rejected":
                row[3] += units
                if problem == "pool-exhausted":
                    row[4] += units
            else:
                row[1] += units
                if status == "imported":
                    row[2] += units
        return with_returned(
            [DaySku(day, sku, x[0], x[1], x[2], x[3], x[4], 0) for (day, sku), x in sums.items()],
            returned,
        )
