"""The allocator's two hot statements in SQL: reading paid and cancelled orders from the feed,
and writing a decided batch in one transaction.

**Reading.** The order event feed's own rules (orders/adapters/sql_events.py): on PostgreSQL
rows are read by (xid, seq) below the xmin of the reading statement's snapshot, so a writer
that committed late is never skipped; on SQLite ``seq`` is commit order (read on the reader's
thread, platform/sql/sqlite_reader.py). The read joins what allocation needs (the order's sale,
SKU, quantity, the address's region) and nothing else, straight from the driver's rows; each
sale's market is looked up once and kept.

**Writing.** One transaction per batch: the cursor's compare-and-set first (another allocator
that read the same page finds it moved and writes nothing), then each level touched in one
guarded UPDATE (``on_hand - allocated - committed >= what the batch takes``), each allotment
drawn likewise, the fulfilment orders (unique on the source's key: a replay is refused whole),
the ledger's moves and the ``fulfilment.allocated`` events. Any guard short of its count
raises ``StaleSnapshot`` and the whole batch rolls back. On PostgreSQL the batch's fulfilment
orders and events travel by binary COPY, on SQLite as multi-row VALUES on the writer thread
(``ON CONFLICT DO NOTHING``, counted).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from operator import itemgetter
from typing import Any, cast

import asyncpg
import orjson
from sqlalchemy import Connection, column, select, table
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from flashsale.fulfilment.adapters.sql_rows import COLUMNS
from flashsale.fulfilment.domain.order import FulfilmentStatus, SourceKind
from flashsale.fulfilment.domain.plan import ACTOR, AllocatedEvent, AllocationPlan, NewFulfilment
from flashsale.fulfilment.ports import AlreadyPlaced, FeedEntry, FeedPage, StaleSnapshot
from flashsale.orders.domain.events import EventCursor, OrderEventKind
from flashsale.platform.sql.database import IDS_PER_STATEMENT, SqlDatabase

_KINDS = {k.value: k for k in (OrderEventKind.PAID, OrderEventKind.CANCELLED)}
# The sale's market is not joined: a sale's market never changes, so each adapter keeps what it
# has looked up (a join read the sale again for every event, a fifth of the read's time).
_FEED = (
    "SELECT {cursor}, e.kind, e.at, e.order_id, o.sale_id, o.sku, o.quantity, a.region,"
    " d.store FROM order_events AS e JOIN orders AS o ON o.id = e.order_id"
    " LEFT JOIN shipping_addresses AS a ON a.order_id = e.order_id"
    " LEFT JOIN order_deliveries AS d ON d.order_id = e.order_id"  # click & collect's store
    " WHERE {after} AND e.kind IN ('order.paid', 'order.cancelled')"
    " ORDER BY {order} LIMIT {limit}"
)
# On SQLite the page comes back as one JSON value: fetched row by row, the driver lets go of
# the GIL and takes it back at every row, each time waiting out the switch interval of the
# decision loop or the batch's write (10,000 rows read beside a busy Python thread: 27 µs of
# wall time a row, as JSON 16, the same CPU). ``json_group_array`` keeps no promised order.
_SQLITE_FEED = (
    "SELECT json_group_array(json_array(seq, kind, at, order_id, sale_id, sku, quantity, region,"
    " store)) FROM ("
    + _FEED.format(cursor="e.seq AS seq", after="e.seq > ?", order="e.seq", limit="?")
    + ")"
)
_PG_FEED = _FEED.format(
    cursor="e.xid, e.seq",
    after="(e.xid, e.seq) > ($1, $2)"
    " AND e.xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
    order="e.xid, e.seq",
    limit="$3",
)
_SQLITE_MARKETS = "SELECT id, market_code FROM sales WHERE id IN (SELECT value FROM json_each(?))"
_PG_MARKETS = "SELECT id, market_code FROM sales WHERE id = ANY($1::text[])"
# The orders' click & collect choices, read by name (a domain's tables are its adapters').
_DELIVERIES = table("order_deliveries", column("order_id"), column("store"))
_VALUE: dict[object, str] = {k: k.value for k in (*SourceKind, *FulfilmentStatus)}
_first = itemgetter(0)
_new_cursor = tuple.__new__  # an EventCursor without its Python-level __new__: half the cost
_UNGUARDED = -(2**31)  # a guard's bound when the change gives back rather than takes

# -- SQLite ------------------------------------------------------------------------------
_S_CURSOR_NEW = (
    "INSERT INTO fulfilment_cursors (name, xid, seq, updated_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)
_S_CURSOR_MOVE = (
    "UPDATE fulfilment_cursors SET xid = ?, seq = ?, updated_at = ?"
    " WHERE name = ? AND xid = ? AND seq = ?"
)
_S_LEVEL = (
    "UPDATE stock_levels SET allocated = allocated + ?, committed = committed + ?"
    " WHERE location = ? AND sku = ? AND on_hand - allocated - committed >= ?"
)
_S_ALLOTMENT = (
    "UPDATE allotments SET drawn = drawn + ?, quantity = quantity + ?"
    " WHERE sale_id = ? AND location = ? AND quantity - drawn >= ?"
)
_S_PLACE = (
    "UPDATE fulfilment_orders SET status = 'allocated', location = ?, quantity = ?,"
    " from_allotment = ?, reason = '', updated_at = ? WHERE id = ? AND status = 'unallocated'"
)
_S_CANCEL = (
    "UPDATE fulfilment_orders SET status = 'cancelled', reason = ?, updated_at = ?"
    " WHERE id = ? AND status = ?"
)
# The bulk rows go as multi-row VALUES of up to ``_ROWS`` rows a statement (within SQLite's
# limit on parameters): measured on a 300,000-order record, 5 µs of the writer's CPU per
# fulfilment order against 9 with ``executemany`` of one row (its per-row reset, bind and step
# from Python). Few and large: each statement's step lets go of the GIL, and taking it back
# waits out the switch interval (5 ms) of whichever thread holds it, the decision loop or the
# feed's read: inserting this table's rows beside a busy Python thread took 54 µs of wall time
# a row at 200 rows a statement, 43 at 2,000 (load average 6, so the same CPU for both).
_ROWS = 2_000
_S_INSERT_ROW = f"({', '.join('?' for _ in COLUMNS)})"
_S_INSERT = (
    f"INSERT INTO fulfilment_orders ({', '.join(COLUMNS)}) VALUES {{}} ON CONFLICT DO NOTHING"
)
_S_MOVE = (
    "INSERT INTO stock_moves (location, sku, kind, on_hand_change, allocated_change, reference,"
    " actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_S_EVENT = "INSERT INTO order_events (order_id, kind, at, actor, data) VALUES {}"
# The kind and the actor, the same for every event of a batch, as literals: fewer to bind;
# the data made by SQLite (``AllocatedEvent.data``'s JSON), not in Python on the writer's
# thread, under the GIL the decision loop and the feed's read wait for.
_S_EVENT_ROW = (
    f"(?, '{OrderEventKind.ALLOCATED.value}', ?, '{ACTOR}',"
    " json_object('fulfilment_order_id', ?, 'location', ?, 'quantity', ?))"
)

# -- PostgreSQL --------------------------------------------------------------------------
# The cursor's move returns the batch's transaction id (no row: the cursor moved elsewhere),
# which the events then carry: ``order_events.xid``'s default, evaluated once rather than a
# function call and two text conversions per row (10,000 events by COPY: 209 ms against 215,
# medians of 16 interleaved).
_P_XID = "pg_current_xact_id()::text::bigint"
_P_CURSOR_NEW = (
    "INSERT INTO fulfilment_cursors (name, xid, seq, updated_at) VALUES ($1, $2, $3, $4)"
    f" ON CONFLICT DO NOTHING RETURNING {_P_XID}"
)
_P_CURSOR_MOVE = (
    "UPDATE fulfilment_cursors SET xid = $2, seq = $3, updated_at = $4"
    f" WHERE name = $1 AND xid = $5 AND seq = $6 RETURNING {_P_XID}"
)
_P_CURRENT_XID = f"SELECT {_P_XID}"
# The feed's read in a transaction of its own without parallel workers: on a page of 10,000
# the planner picks a parallel scan whose two workers start per read and compete for the CPU
# with the batch being written (1M orders, interleaved: 35.9 and 32.3 s without, 37.3 and
# 39.2 s with; the read's own server time 84 ms a page against 86-102).
_P_SERIAL = "SET LOCAL max_parallel_workers_per_gather = 0"
_P_LEVELS = (
    "UPDATE stock_levels AS s SET allocated = s.allocated + d.a, committed = s.committed + d.c"
    " FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::int[]) AS d(location, sku, a, c)"
    " WHERE s.location = d.location AND s.sku = d.sku"
    " AND (d.a + d.c <= 0 OR s.on_hand - s.allocated - s.committed >= d.a + d.c)"
)
_P_ALLOTMENTS = (
    "UPDATE allotments AS t SET drawn = t.drawn + d.dr, quantity = t.quantity + d.q"
    " FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::int[]) AS d(sale_id, location,"
    " dr, q) WHERE t.sale_id = d.sale_id AND t.location = d.location"
    " AND (d.dr - d.q <= 0 OR t.quantity - t.drawn >= d.dr - d.q)"
)
_P_PLACE = (
    "UPDATE fulfilment_orders AS t SET status = 'allocated', location = d.location,"
    " quantity = d.quantity, from_allotment = d.fa, reason = '', updated_at = $5"
    " FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::int[]) AS d(id, location,"
    " quantity, fa) WHERE t.id = d.id AND t.status = 'unallocated'"
)
_P_CANCEL = (
    "UPDATE fulfilment_orders AS t SET status = 'cancelled', reason = d.reason, updated_at = $4"
    " FROM unnest($1::varchar[], $2::varchar[], $3::text[]) AS d(id, was, reason)"
    " WHERE t.id = d.id AND t.status = d.was"
)
# Fulfilment orders and their events go by binary COPY: measured on a 300,000-order record,
# the server spends 5 µs per fulfilment order on it against 14 for ``jsonb_populate_recordset``
# and 11 for ``unnest``; a row already there fails the COPY, which refuses a replay whole.
_EVENT_COLUMNS = ("xid", "order_id", "kind", "at", "actor", "data")
_P_MOVES = (
    "INSERT INTO stock_moves (location, sku, kind, on_hand_change, allocated_change, reference,"
    " actor, at) SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::int[],"
    " $5::int[], $6::varchar[], $7::varchar[], $8::timestamptz[])"
)


def _sqlite_time(moment: datetime) -> str:
    """UtcDateTime's SQLite text: UTC wall time with microseconds, as SQLAlchemy writes it."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(" ", "microseconds")[:26]


def _from_sqlite_time(stored: str) -> datetime:
    # Parsed with its offset: four times faster than ``replace(tzinfo=...)`` after parsing.
    return datetime.fromisoformat(stored + "+00:00")


class _TimeTexts:
    """The SQLite text of the few distinct times of a batch (its decision time), made once, and
    of the paid times the feed read, as read: formatting an aware datetime costs more than the
    rest of a fulfilment order's row (~1.5 µs), a lookup ~0.1 (a datetime keeps its hash)."""

    def __init__(self, read: _ReadTimes) -> None:
        self._made: dict[datetime, str] = {}
        self._read = read

    def __call__(self, moment: datetime) -> str:
        text = self._made.get(moment)
        if text is None:
            text = self._read.text(moment)
            if text is None:
                text = self._made[moment] = _sqlite_time(moment)
        return text


class _ReadTimes:
    """The text of the times of the last pages read, by the datetime made of it: two
    generations of about ``keep`` each (the reader's thread fills them, the writer's reads)."""

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._now: dict[datetime, str] = {}
        self._before: dict[datetime, str] = {}

    def add(self, times: list[datetime], texts: list[str]) -> None:
        if len(self._now) >= self._keep:
            self._before, self._now = self._now, {}
        self._now.update(zip(times, texts, strict=True))

    def text(self, moment: datetime) -> str | None:
        found = self._now.get(moment)
        return found if found is not None else self._before.get(moment)


class _EventData:
    """A ``fulfilment.allocated`` event's JSON for PostgreSQL's COPY, as ``AllocatedEvent.data``
    holds it, without a dict and a serialisation per event: ids are ours and a location's JSON
    is made once. (SQLite makes it in the INSERT.)"""

    def __init__(self) -> None:
        self._locations: dict[str, str] = {}

    def __call__(self, event: AllocatedEvent) -> str:
        location = self._locations.get(event.location)
        if location is None:
            location = self._locations[event.location] = orjson.dumps(event.location).decode()
        fulfilment_order = orjson.dumps(event.fulfilment_order_id).decode()
        return (
            f'{{"fulfilment_order_id":{fulfilment_order},"location":{location},'
            f'"quantity":{event.quantity}}}'
        )


def _count(status: str) -> int:
    """The row count of asyncpg's status line ("UPDATE 3", "INSERT 0 3")."""
    return int(status.rsplit(" ", 1)[-1])


class SqlAllocation(SqlDatabase):
    _order_events: bool  # SqlOrderEventFeed's switch, in the composed store
    _sale_markets: dict[str, str] | None = None  # each sale's market, as met
    _read_times: _ReadTimes | None = None  # SQLite: the feed's times, as read
    # SQLite: a batch with this many new fulfilment orders is written by the batch process.
    # Smaller ones (an allocator keeping up: a few orders a poll) stay on the writer's thread,
    # a hop shorter; 1,000 orders bind 20,000 parameters, a few milliseconds of the GIL.
    batch_process_rows = 1_000

    def _times_read(self) -> _ReadTimes:
        if self._read_times is None:
            self._read_times = _ReadTimes(4 * IDS_PER_STATEMENT)
        return self._read_times

    def _markets_known(self) -> dict[str, str]:
        if self._sale_markets is None:
            self._sale_markets = {}
        return self._sale_markets

    async def paid_and_cancelled(self, after: EventCursor, limit: int) -> FeedPage:
        markets = self._markets_known()
        if self._reader is not None:  # SQLite: one hop to the reader's thread
            times = self._times_read()
            return await self._reader.read(
                lambda db: _sqlite_page(db, after, limit, markets, times)
            )
        async with self._engine.connect() as conn:
            driver = await _driver(conn)
            async with driver.transaction(readonly=True):
                await driver.execute(_P_SERIAL)
                found = await driver.fetch(_PG_FEED, after.xid, after.seq, limit)
            missing = list({row[5] for row in found} - markets.keys())
            if missing:
                markets.update((r[0], r[1]) for r in await driver.fetch(_PG_MARKETS, missing))
        kinds, cursor = _KINDS, _new_cursor
        entries = [
            FeedEntry(
                cursor(EventCursor, (xid, seq)),
                kinds[kind],
                order_id,
                sale_id,
                markets.get(sale_id, ""),
                sku,
                quantity,
                region,
                at,
                pickup,
            )
            for xid, seq, kind, at, order_id, sale_id, sku, quantity, region, pickup in found
        ]
        return FeedPage(entries, entries[-1].cursor if entries else after)

    async def pickup_stores(self, order_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        wanted = sorted(set(order_ids))
        async with self._engine.connect() as conn:
            for start in range(0, len(wanted), IDS_PER_STATEMENT):
                chunk = wanted[start : start + IDS_PER_STATEMENT]
                query = select(_DELIVERIES.c.order_id, _DELIVERIES.c.store).where(
                    _DELIVERIES.c.order_id.in_(chunk), _DELIVERIES.c.store.is_not(None)
                )
                found.update((row.order_id, row.store) for row in await conn.execute(query))
        return found

    @property
    def writes_in_order(self) -> bool:
        # SQLite's writes queue for one writer (the thread, or the batch process). PostgreSQL
        # runs them side by side: a batch sent ahead would meet the cursor's row before the batch
        # in flight moved it, and waiting for that row would put one more batch in the way of
        # the purchases each time a storm begins.
        return self._dialect == "sqlite"

    async def write_allocation(
        self,
        name: str,
        after: EventCursor | None,
        to: EventCursor | None,
        plan: AllocationPlan,
        reference: str,
    ) -> bool:
        if self._dialect == "postgresql":
            return await self._write_postgres(name, after, to, plan, reference)
        # The statements' parameters are made here, where the batch was decided: plain values,
        # for the writer's thread or, for a big batch, the batch process
        # (platform/sql/sqlite_batch_process.py), where binding them takes no turns at this
        # process's GIL with the decision loop and the feed's reader.
        batch = _sqlite_batch(
            name, after, to, plan, reference, _TimeTexts(self._times_read()), self._order_events
        )
        if self._batch_process is not None and len(plan.new) >= self.batch_process_rows:
            return await self._batch_process.transaction(_run_sqlite_batch, batch)

        def work(conn: Connection) -> bool:
            db = cast(sqlite3.Connection, conn.connection.dbapi_connection)
            assert db is not None
            return _run_sqlite_batch(db, batch)

        return await self._write(work)

    # -- PostgreSQL, one transaction on the pooled asyncpg connection --------------------------

    async def _write_postgres(
        self,
        name: str,
        after: EventCursor | None,
        to: EventCursor | None,
        plan: AllocationPlan,
        reference: str,
    ) -> bool:
        async with self._engine.connect() as conn:
            driver = await _driver(conn)
            try:
                async with driver.transaction():
                    return await self._pg_batch(driver, name, after, to, plan, reference)
            except asyncpg.CheckViolationError as exc:  # a guard's arithmetic, seen by a CHECK
                raise StaleSnapshot(str(exc)) from exc
            except asyncpg.PostgresError as exc:  # raised as SQLAlchemy raises them
                raise DBAPIError("allocation batch", None, exc) from exc
            except (OSError, asyncpg.InterfaceError):
                await conn.invalidate()
                raise

    async def _pg_batch(
        self,
        driver: asyncpg.Connection,
        name: str,
        after: EventCursor | None,
        to: EventCursor | None,
        plan: AllocationPlan,
        reference: str,
    ) -> bool:
        now = datetime.now(UTC)
        xid: int | None = None
        if to is not None:
            if after is None:
                xid = await driver.fetchval(_P_CURSOR_NEW, name, to.xid, to.seq, now)
            else:
                xid = await driver.fetchval(
                    _P_CURSOR_MOVE, name, to.xid, to.seq, now, after.xid, after.seq
                )
            if xid is None:
                return False
        if plan.levels:
            keys = sorted(plan.levels)
            status = await driver.execute(
                _P_LEVELS,
                [k[0] for k in keys],
                [k[1] for k in keys],
                [plan.levels[k].allocated for k in keys],
                [plan.levels[k].committed for k in keys],
            )
            if _count(status) != len(keys):
                raise StaleSnapshot("a level has less free than the batch takes")
        if plan.allotments:
            keys = sorted(plan.allotments)
            status = await driver.execute(
                _P_ALLOTMENTS,
                [k[0] for k in keys],
                [k[1] for k in keys],
                [plan.allotments[k].drawn for k in keys],
                [plan.allotments[k].quantity for k in keys],
            )
            if _count(status) != len(keys):
                raise StaleSnapshot("an allotment has less left than the batch draws")
        if plan.placed:
            status = await driver.execute(
                _P_PLACE,
                [fo.id for fo in plan.placed],
                [fo.location for fo in plan.placed],
                [fo.quantity for fo in plan.placed],
                [fo.from_allotment for fo in plan.placed],
                plan.placed[0].updated_at,
            )
            if _count(status) != len(plan.placed):
                raise StaleSnapshot("a fulfilment order is no longer unallocated")
        if plan.cancelled:
            status = await driver.execute(
                _P_CANCEL,
                [fo.id for fo, _ in plan.cancelled],
                [was.value for _, was in plan.cancelled],
                [fo.reason for fo, _ in plan.cancelled],
                plan.cancelled[0][0].updated_at,
            )
            if _count(status) != len(plan.cancelled):
                raise StaleSnapshot("a fulfilment order moved since it was read")
        if plan.new:
            try:
                await driver.copy_records_to_table(
                    "fulfilment_orders", columns=COLUMNS, records=_with_enum_texts(plan.new)
                )
            except asyncpg.UniqueViolationError as exc:  # COPY stops at the first: all or none
                raise AlreadyPlaced("an order of the batch has a fulfilment order already") from exc
        if plan.events and self._order_events:
            if xid is None:
                xid = await driver.fetchval(_P_CURRENT_XID)
            kind = OrderEventKind.ALLOCATED.value
            data = _EventData()
            await driver.copy_records_to_table(
                "order_events",
                columns=_EVENT_COLUMNS,
                records=[(xid, e.order_id, kind, e.at, ACTOR, data(e)) for e in plan.events],
            )
        if plan.moves:
            moves = plan.moves
            await driver.execute(
                _P_MOVES,
                [m.location for m in moves],
                [m.sku for m in moves],
                [m.kind.value for m in moves],
                [m.on_hand_change for m in moves],
                [m.allocated_change for m in moves],
                [reference for _ in moves],
                [m.actor for m in moves],
                [m.at for m in moves],
            )
        return True


def _insert_rows(db: sqlite3.Connection, statement: str, row: str, values: list[object]) -> int:
    """``values`` (rows of ``row``'s width, flattened) inserted up to ``_ROWS`` rows a
    statement; returns how many rows were inserted."""
    width = row.count("?")
    per = min(_ROWS, db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
    rows = len(values) // width
    whole = rows - rows % per
    step = per * width
    full = _statement(statement, row, per)
    done = 0
    for start in range(0, whole * width, step):
        done += db.execute(full, values[start : start + step]).rowcount
    if rows > whole:
        rest = _statement(statement, row, rows - whole)
        done += db.execute(rest, values[whole * width :]).rowcount
    return done


@dataclass(frozen=True, slots=True)
class _SqliteBatch:
    """A decided batch as its SQLite statements' parameters, plain values only."""

    name: str
    after: EventCursor | None
    to: EventCursor | None
    now: str
    levels: list[tuple[int, int, str, str, int]]  # sorted: a fixed order of locking rows
    allotments: list[tuple[int, int, str, str, int]]
    placed: list[tuple[str | None, int, int, str, str]]
    cancelled: list[tuple[str, str, str, str]]
    inserts: list[object]  # the new fulfilment orders' rows, flattened
    inserted: int  # how many rows ``inserts`` holds
    moves: list[tuple[str, str, str, int, int, str, str, str]]
    events: list[object]  # the events' rows, flattened


def _sqlite_batch(
    name: str,
    after: EventCursor | None,
    to: EventCursor | None,
    plan: AllocationPlan,
    reference: str,
    times: _TimeTexts,
    order_events: bool,
) -> _SqliteBatch:
    levels = []
    for (location, sku), change in sorted(plan.levels.items()):
        guard = change.promised if change.promised > 0 else _UNGUARDED
        levels.append((change.allocated, change.committed, location, sku, guard))
    allotments = []
    for (sale_id, location), delta in sorted(plan.allotments.items()):
        guard = delta.draws if delta.draws > 0 else _UNGUARDED
        allotments.append((delta.drawn, delta.quantity, sale_id, location, guard))
    placed = [
        (fo.location, fo.quantity, fo.from_allotment, _sqlite_time(fo.updated_at), fo.id)
        for fo in plan.placed
    ]
    cancelled = [
        (fo.reason, _sqlite_time(fo.updated_at), fo.id, was.value) for fo, was in plan.cancelled
    ]
    # Plain strings for the enums: sqlite3 binds a str subclass only after looking for an
    # adapter (a quarter of the binding's time, profiled).
    value = _VALUE
    inserts: list[object] = []
    add = inserts.extend
    for (
        fo_id, kind, source, part, sale, market, item, units, region, status, placed_at,
        from_allotment, reason, paid_at, updated_at,
    ) in plan.new:  # fmt: skip
        add(
            (
                fo_id, value[kind], source, part, sale, market, item, units, region,
                value[status], placed_at, from_allotment, reason, times(paid_at),
                times(updated_at),
            )
        )  # fmt: skip
    moves = [
        (
            m.location, m.sku, m.kind.value, m.on_hand_change, m.allocated_change, reference,
            m.actor, times(m.at),
        )
        for m in plan.moves
    ]  # fmt: skip
    events: list[object] = []
    if order_events:
        add = events.extend
        for e in plan.events:
            add((e.order_id, times(e.at), e.fulfilment_order_id, e.location, e.quantity))
    now = _sqlite_time(datetime.now(UTC))
    return _SqliteBatch(
        name, after, to, now, levels, allotments, placed, cancelled, inserts, len(plan.new),
        moves, events,
    )  # fmt: skip


def _run_sqlite_batch(db: sqlite3.Connection, batch: _SqliteBatch) -> bool:
    """The batch's statements, in the writer's open transaction."""
    run = db.execute
    to, after = batch.to, batch.after
    if to is not None:
        if after is None:
            moved = run(_S_CURSOR_NEW, (batch.name, to.xid, to.seq, batch.now)).rowcount
        else:
            cas = (to.xid, to.seq, batch.now, batch.name, after.xid, after.seq)
            moved = run(_S_CURSOR_MOVE, cas).rowcount
        if moved != 1:
            return False
    for level in batch.levels:
        if run(_S_LEVEL, level).rowcount != 1:
            _, _, location, sku, _ = level
            raise StaleSnapshot(f"{sku} at {location} has less free than the batch takes")
    for allotment in batch.allotments:
        if run(_S_ALLOTMENT, allotment).rowcount != 1:
            _, _, sale_id, location, _ = allotment
            raise StaleSnapshot(f"the allotment of {sale_id} at {location} has less left")
    placed, cancelled = batch.placed, batch.cancelled
    if placed and db.executemany(_S_PLACE, placed).rowcount != len(placed):
        raise StaleSnapshot("a fulfilment order is no longer unallocated")
    if cancelled and db.executemany(_S_CANCEL, cancelled).rowcount != len(cancelled):
        raise StaleSnapshot("a fulfilment order moved since it was read")
    inserted = _insert_rows(db, _S_INSERT, _S_INSERT_ROW, batch.inserts) if batch.inserted else 0
    if inserted != batch.inserted:
        raise AlreadyPlaced("an order of the batch has a fulfilment order already")
    if batch.moves:
        db.executemany(_S_MOVE, batch.moves)
    if batch.events:
        _insert_rows(db, _S_EVENT, _S_EVENT_ROW, batch.events)
    return True


@cache
def _statement(statement: str, row: str, rows: int) -> str:
    return statement.format(", ".join(row for _ in range(rows)))


async def _driver(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection of ``conn``, replaced once if the server has closed it."""
    for _ in range(2):
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        if not driver.is_closed():
            return cast(asyncpg.Connection, driver)
        await conn.invalidate()
    raise OperationalError("connect", None, ConnectionError("no open connection to the server"))


def _sqlite_page(
    db: sqlite3.Connection,
    after: EventCursor,
    limit: int,
    markets: dict[str, str],
    times: _ReadTimes,
) -> FeedPage:
    """On the SQLite reader's thread, in one snapshot (platform/sql/sqlite_reader.py)."""
    (page,) = db.execute(_SQLITE_FEED, (after.seq, limit)).fetchone()
    found: list[list[Any]] = orjson.loads(page)
    found.sort(key=_first)  # by seq
    missing = list({row[4] for row in found} - markets.keys())
    if missing:
        markets.update(db.execute(_SQLITE_MARKETS, (orjson.dumps(missing).decode(),)))
    kinds, parse, cursor = _KINDS, datetime.fromisoformat, _new_cursor
    texts = [row[2] for row in found]
    ats = [parse(text + "+00:00") for text in texts]
    times.add(ats, texts)  # the batch's write takes them back as they were
    entries = [
        FeedEntry(
            cursor(EventCursor, (0, seq)),
            kinds[kind],
            order_id,
            sale_id,
            markets.get(sale_id, ""),
            sku,
            quantity,
            region,
            at,
            pickup,
        )
        for (seq, kind, _, order_id, sale_id, sku, quantity, region, pickup), at in zip(
            found, ats, strict=True
        )
    ]
    return FeedPage(entries, entries[-1].cursor if entries else after)


def _with_enum_texts(rows: list[NewFulfilment]) -> list[tuple[object, ...]]:
    """The new fulfilment orders with their kind and status as plain text, for asyncpg."""
    value = _VALUE
    return [
        (
            fo_id, value[kind], source, part, sale, market, item, units, region, value[status],
            placed_at, from_allotment, reason, paid_at, updated_at,
        )
        for (
            fo_id, kind, source, part, sale, market, item, units, region, status, placed_at,
            from_allotment, reason, paid_at, updated_at,
        ) in rows
    ]  # fmt: skip
