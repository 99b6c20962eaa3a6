"""An import chunk in SQL: one transaction, one statement per table, for SQLite and PostgreSQL.

The channel's pools of the chunk's SKUs are read (locked ``FOR UPDATE`` after the channel's
row on PostgreSQL: imports of one channel take turns; SQLite's one writer holds the database),
the domain decides the chunk (``domain/planning.py``), and everything is written in a statement
per table: the lines, the pools' consumption guarded by ``units - consumed >= n``, the levels'
committed → allocated guarded by ``committed >= n``, the ``allocate`` ledger moves and the
fulfilment orders (source_kind ``partner``), written into the inventory's and fulfilment's
tables as the allocator's batch writes them (``fulfilment/adapters/sql_allocation.py``). On
SQLite the rows go straight to the driver on the writer thread (SQLAlchemy's costs per row),
hundreds to an INSERT (``_insert_many``); on PostgreSQL by binary ``COPY`` on the pooled
asyncpg connection, the updates as arrays (``unnest``).

The service sends only lines it found unstored a moment before (``channel_known_lines``), so a
chunk first assumes none is stored: its lines go in first, skipping any stored meanwhile (a
race with another import of the same report), behind a savepoint. Only if one was skipped does
the chunk go back to the savepoint, read its stored keys and decide again: the look-up is paid
by a race, not by every chunk.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from itertools import chain
from typing import cast

import asyncpg
import orjson
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from flashsale.channels.domain.order_line import LineStatus, OrderLine, StoredLine
from flashsale.channels.domain.planning import ChunkPlan, Key
from flashsale.channels.domain.pool import Pool
from flashsale.channels.errors import PoolChanged
from flashsale.channels.ports import Planner
from flashsale.fulfilment.adapters.sql_rows import COLUMNS as FO_COLUMNS

_LINE_COLUMNS = (
    "channel",
    "order_id",
    "line_id",
    "id",
    "purchased_at",
    "day",
    "sku",
    "quantity",
    "currency",
    "amount",
    "status",
    "problem",
    "location",
    "fulfilment_order_id",
)
# StoredLine's fields, in its order: its tuples are COPY's records as they are.
_LINE_FIELDS = tuple(StoredLine._fields)
_MOVE_COLUMNS = (
    "location", "sku", "kind", "on_hand_change", "allocated_change", "reference", "actor", "at"
)  # fmt: skip
# -- SQLite ----------------------------------------------------------------------------------
# Only the pools of the chunk's SKUs: a channel may pool ten thousand.
_S_POOLS = (
    "SELECT location, sku, units, consumed FROM channel_pools"
    " WHERE channel = ? AND sku IN (SELECT value FROM json_each(?))"
)
_S_KNOWN = (
    "SELECT order_id, line_id FROM channel_order_lines WHERE channel = ?"
    " AND order_id IN (SELECT value FROM json_each(?))"
)
# How many of the keys are stored, probing the primary key per key and building no row: half
# the cost of reading them back, and the answer when it is none or all of them.
_S_KNOWN_COUNT = (
    "SELECT count(*) FROM json_each(?) AS k WHERE EXISTS (SELECT 1 FROM channel_order_lines"
    " WHERE channel = ? AND order_id = k.value ->> 0 AND line_id = k.value ->> 1)"
)
_S_LINES = (
    f"INSERT INTO channel_order_lines ({', '.join(_LINE_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in _LINE_COLUMNS)})"
)
_S_NEW_LINES = _S_LINES.replace("INSERT", "INSERT OR IGNORE", 1)
_S_CONSUME = (
    "UPDATE channel_pools SET consumed = consumed + ?"
    " WHERE channel = ? AND location = ? AND sku = ? AND units - consumed >= ?"
)
_S_LEVEL = (
    "UPDATE stock_levels SET committed = committed - ?, allocated = allocated + ?"
    " WHERE location = ? AND sku = ? AND committed >= ?"
)
_S_FO = (
    f"INSERT INTO fulfilment_orders ({', '.join(FO_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in FO_COLUMNS)})"
)
_S_MOVE = (
    "INSERT INTO stock_moves (location, sku, kind, on_hand_change, allocated_change, reference,"
    " actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

# -- PostgreSQL ------------------------------------------------------------------------------
_P_CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"
# Imports of one channel take turns on its row: a channel without pools has none to lock.
_P_CHANNEL = "SELECT 1 FROM channels WHERE code = $1 FOR UPDATE"
# A semi-join on the SKUs, not ``sku = ANY($2)``: a prepared statement's generic plan tests
# the array element by element, ten thousand SKUs times ten thousand pools (seconds a chunk).
_P_POOLS = (
    "SELECT location, sku, units, consumed FROM channel_pools"
    " WHERE channel = $1 AND sku IN (SELECT unnest($2::varchar[]))"
    " ORDER BY location, sku FOR UPDATE"
)
# A probe of the primary key per key, whatever the statistics say: a join the planner may make
# a hash of the channel's every line (a million on a record day), once per chunk.
P_KNOWN = (
    "SELECT k.order_id, k.line_id FROM unnest($2::varchar[], $3::varchar[]) AS k(order_id,"
    " line_id), LATERAL (SELECT 1 FROM channel_order_lines AS l WHERE l.channel = $1"
    " AND l.order_id = k.order_id AND l.line_id = k.line_id LIMIT 1) AS found"
)
# How many of the keys (each once) are stored: the answer when it is none or all of them, as
# for a report sent again, without sending the keys back.
P_KNOWN_COUNT = (
    "SELECT count(*) FROM unnest($2::varchar[], $3::varchar[]) AS k(order_id, line_id),"
    " LATERAL (SELECT 1 FROM channel_order_lines AS l WHERE l.channel = $1"
    " AND l.order_id = k.order_id AND l.line_id = k.line_id LIMIT 1) AS found"
)
_P_CONSUME = (
    "UPDATE channel_pools AS p SET consumed = p.consumed + d.n"
    " FROM unnest($2::varchar[], $3::varchar[], $4::int[]) AS d(location, sku, n)"
    " WHERE p.channel = $1 AND p.location = d.location AND p.sku = d.sku"
    " AND p.units - p.consumed >= d.n"
)
_P_LEVELS = (
    "UPDATE stock_levels AS s SET committed = s.committed - d.n, allocated = s.allocated + d.n"
    " FROM unnest($1::varchar[], $2::varchar[], $3::int[]) AS d(location, sku, n)"
    " WHERE s.location = d.location AND s.sku = d.sku AND s.committed >= d.n"
)


KNOWN_CHUNK = 20_000  # keys a look-up query asks about
ROWS_A_STATEMENT = 400  # SQLite: rows of one INSERT (15 columns: 6,000 variables, under 32,766)


def _sqlite_time(moment: datetime) -> str:
    """UtcDateTime's SQLite text: UTC wall time with microseconds, as SQLAlchemy writes it."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(" ", "microseconds")[:26]


def _count(status: str) -> int:
    return int(status.rsplit(" ", 1)[-1])


async def driver_of(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection of ``conn``, replaced once if the server has closed it."""
    for _ in range(2):
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        if not driver.is_closed():
            return cast(asyncpg.Connection, driver)
        await conn.invalidate()
    raise OperationalError("connect", None, ConnectionError("no open connection to the server"))


def _pools_of(channel: str, found: Sequence[tuple[str, str, int, int]]) -> dict[Key, Pool]:
    return {(loc, sku): Pool(channel, loc, sku, units, used) for loc, sku, units, used in found}


class _Raced(Exception):
    """A line of the chunk was stored since the service looked: decide it again."""


def sqlite_known(
    db: sqlite3.Connection, channel: str, keys: Sequence[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The stored ones of ``keys``: counted first (a report imported again has all of them
    stored, a new one none), and only when some are, the lines of their orders read by the
    primary key."""
    wanted = dict.fromkeys(keys)  # each once, in the file's order: the index's, mostly
    (count,) = db.execute(_S_KNOWN_COUNT, (orjson.dumps(list(wanted)).decode(), channel)).fetchone()
    if count in (0, len(wanted)):
        return set(wanted) if count else set()
    order_ids = orjson.dumps(list({k[0] for k in keys})).decode()
    return set(wanted).intersection(db.execute(_S_KNOWN, (channel, order_ids)))


def import_sqlite(
    conn: Connection, channel: str, lines: Sequence[OrderLine], planner: Planner
) -> ChunkPlan:
    """On the writer thread, in its transaction (which holds SQLite's write lock)."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    db = cast(sqlite3.Connection, raw)
    skus = orjson.dumps(list({x.sku for x in lines})).decode()
    pools = _pools_of(channel, db.execute(_S_POOLS, (channel, skus)).fetchall())
    (cache,) = db.execute("PRAGMA cache_size").fetchone()
    (page,) = db.execute("PRAGMA page_size").fetchone()
    if (-cache if cache < 0 else cache * page // 1024) < CHUNK_CACHE_KIB:
        db.execute(f"PRAGMA cache_size = -{CHUNK_CACHE_KIB}")
    try:
        # Begins the transaction if the driver has not yet; the commit ends both.
        db.execute("SAVEPOINT channel_chunk")
        plan = planner(lines, (), pools)
        try:
            _write_sqlite(db, channel, plan, fresh=True)
            return plan
        except _Raced:
            db.execute("ROLLBACK TO channel_chunk")
        plan = planner(lines, sqlite_known(db, channel, [x.key for x in lines]), pools)
        _write_sqlite(db, channel, plan, fresh=False)
        return plan
    finally:
        db.execute(f"PRAGMA cache_size = {int(cache)}")


# A str, not the StrEnum: the driver binds a plain str directly and adapts anything else (a
# registry look-up and two attribute probes per value).
_STATUS_TEXT = {status: str(status.value) for status in LineStatus}
# The writer's page cache while it writes a chunk (then set back): a chunk's lines and
# fulfilment orders go into five B-trees, and SQLite's default 2 MiB cache spilled their pages
# to the WAL mid-transaction and read them back (a million lines grouped by SKU: 33.5 µs of CPU
# a line with it, 27.8 with this; benchmarks/channels.py).
CHUNK_CACHE_KIB = 65_536


@functools.cache
def _many_rows(statement: str, rows: int) -> str:
    row = "(" + ", ".join("?" * statement.count("?")) + ")"
    return statement[: statement.index(" VALUES ")] + " VALUES " + ", ".join([row] * rows)


def _insert_many(db: sqlite3.Connection, statement: str, rows: Sequence[tuple[object, ...]]) -> int:
    """``statement`` (an INSERT of one row's ``VALUES (?, …)``) for every row, ``ROWS_A_STATEMENT``
    rows a statement: SQLite's costs per statement (its start and end, and the ephemeral table
    each ``IN (…)`` check of the tables builds) are then paid once per hundreds of rows, which
    halves an insert's CPU. The rest go one a statement, which keeps the statements few and
    cached. The rows inserted (an ``OR IGNORE`` skips some)."""
    if not rows:
        return 0
    # SQLite builds before 3.32 allow 999 variables a statement.
    each = min(ROWS_A_STATEMENT, db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(rows[0]))
    full = len(rows) - len(rows) % each if each > 1 else 0
    written = 0
    if full:
        params = [
            tuple(chain.from_iterable(rows[start : start + each])) for start in range(0, full, each)
        ]
        written += db.executemany(_many_rows(statement, each), params).rowcount
    if full < len(rows):
        written += db.executemany(statement, rows[full:]).rowcount
    return written


def _write_sqlite(db: sqlite3.Connection, channel: str, plan: ChunkPlan, fresh: bool) -> None:
    """``fresh``: the plan counted none of its lines stored; ``_Raced`` if one was."""
    # Each distinct time, day and price of the chunk made text once, then looked up in C.
    times = {at: _sqlite_time(at) for at in {x.purchased_at for x in plan.lines}}
    days = {day: day.isoformat() for day in {x.day for x in plan.lines}}
    amounts: dict[Decimal | None, str | None] = {None: None}
    amounts.update((a, format(a, "f")) for a in {x.amount for x in plan.lines} if a is not None)
    status = _STATUS_TEXT
    if plan.lines:
        rows = [
            (x.channel, x.order_id, x.line_id, x.id, times[x.purchased_at], days[x.day], x.sku,
             x.quantity, x.currency, amounts[x.amount], status[x.status], x.problem, x.location,
             x.fulfilment_order_id)
            for x in plan.lines
        ]  # fmt: skip
        written = _insert_many(db, _S_NEW_LINES if fresh else _S_LINES, rows)
        if written != len(rows):
            raise _Raced
    if plan.consumed:
        keys = sorted(plan.consumed)
        consume = [(plan.consumed[k], channel, k[0], k[1], plan.consumed[k]) for k in keys]
        if db.executemany(_S_CONSUME, consume).rowcount != len(keys):
            raise PoolChanged("a pool has less left than the chunk takes")
        level = [(plan.consumed[k], plan.consumed[k], k[0], k[1], plan.consumed[k]) for k in keys]
        if db.executemany(_S_LEVEL, level).rowcount != len(keys):
            raise PoolChanged("a level has fewer committed units than its pool says")
    if plan.shipments:
        assert plan.at is not None
        now, market = _sqlite_time(plan.at), plan.market_code
        _insert_many(
            db,
            _S_FO,
            [
                (x.id, "partner", x.line_id, 0, "", market, x.sku, x.quantity, x.region,
                 "allocated", x.location, 0, "", times[x.paid_at], now)
                for x in plan.shipments
            ],
        )  # fmt: skip
    if plan.moves:
        at = {m.at: _sqlite_time(m.at) for m in plan.moves}
        _insert_many(
            db,
            _S_MOVE,
            [
                (m.location, m.sku, m.kind.value, m.on_hand_change, m.allocated_change,
                 m.reference, m.actor, at[m.at])
                for m in plan.moves
            ],
        )  # fmt: skip


async def pg_chunk(
    driver: asyncpg.Connection, channel: str, lines: Sequence[OrderLine], planner: Planner
) -> ChunkPlan:
    """Inside the caller's transaction on ``driver``."""
    await driver.execute(_P_CHANNEL, channel)
    # The arrays' lengths are in a custom plan's estimates; a generic plan guesses ten elements
    # and may join ten thousand SKUs to ten thousand pools by nested loop (seconds a chunk).
    await driver.execute(_P_CUSTOM_PLANS)
    skus = list({x.sku for x in lines})
    pools = _pools_of(channel, [tuple(r) for r in await driver.fetch(_P_POOLS, channel, skus)])
    try:
        async with driver.transaction():  # a savepoint
            plan = planner(lines, (), pools)
            await _write_pg(driver, channel, plan, fresh=True)
            return plan
    except _Raced:
        pass
    found = await driver.fetch(
        P_KNOWN, channel, [x.order_id for x in lines], [x.line_id for x in lines]
    )
    plan = planner(lines, {(r[0], r[1]) for r in found}, pools)
    await _write_pg(driver, channel, plan, fresh=False)
    return plan


async def _write_pg(driver: asyncpg.Connection, channel: str, plan: ChunkPlan, fresh: bool) -> None:
    """``fresh``: the plan counted none of its lines stored; ``_Raced`` if one was. The rows go
    in by ``COPY``, binary (the cheapest insert the server has); the stored lines are tuples in
    the table's column order already."""
    if plan.lines:
        try:
            await driver.copy_records_to_table(
                "channel_order_lines", records=plan.lines, columns=_LINE_FIELDS
            )
        except asyncpg.UniqueViolationError:
            if fresh:
                raise _Raced from None
            raise
    if plan.consumed:
        keys = sorted(plan.consumed)
        args = ([k[0] for k in keys], [k[1] for k in keys], [plan.consumed[k] for k in keys])
        if _count(await driver.execute(_P_CONSUME, channel, *args)) != len(keys):
            raise PoolChanged("a pool has less left than the chunk takes")
        if _count(await driver.execute(_P_LEVELS, *args)) != len(keys):
            raise PoolChanged("a level has fewer committed units than its pool says")
    if plan.shipments:
        market, now = plan.market_code, plan.at
        await driver.copy_records_to_table(
            "fulfilment_orders",
            records=[
                (x.id, "partner", x.line_id, 0, "", market, x.sku, x.quantity, x.region,
                 "allocated", x.location, 0, "", x.paid_at, now)
                for x in plan.shipments
            ],
            columns=FO_COLUMNS,
        )  # fmt: skip
    if plan.moves:
        await driver.copy_records_to_table(
            "stock_moves",
            records=[
                (m.location, m.sku, m.kind.value, m.on_hand_change, m.allocated_change,
                 m.reference, m.actor, m.at)
                for m in plan.moves
            ],
            columns=_MOVE_COLUMNS,
        )  # fmt: skip
