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
drawn likewise, the fulfilment orders (``ON CONFLICT DO NOTHING`` on the source's key, counted:
a replay is refused whole), the ledger's moves and the ``fulfilment.allocated`` events. Any
guard short of its count raises ``StaleSnapshot`` and the whole batch rolls back. On
PostgreSQL the batch's rows travel as one JSON array of the table's own row type and the
events are made from them server-side (``pg_orders.py`` measured why), on SQLite as
``executemany`` on the writer thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

import asyncpg
import orjson
from sqlalchemy import Connection, column, select, table
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from flashsale.fulfilment.adapters.sql_rows import COLUMNS
from flashsale.fulfilment.domain.order import FulfilmentStatus, SourceKind
from flashsale.fulfilment.domain.plan import ACTOR, AllocatedEvent, AllocationPlan
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
_SQLITE_FEED = _FEED.format(cursor="0, e.seq", after="e.seq > ?", order="e.seq", limit="?")
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
_S_INSERT = (
    f"INSERT INTO fulfilment_orders ({', '.join(COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in COLUMNS)}) ON CONFLICT DO NOTHING"
)
_S_MOVE = (
    "INSERT INTO stock_moves (location, sku, kind, on_hand_change, allocated_change, reference,"
    " actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_S_EVENT = "INSERT INTO order_events (order_id, kind, at, actor, data) VALUES (?, ?, ?, ?, ?)"

# -- PostgreSQL --------------------------------------------------------------------------
_P_CURSOR_NEW = (
    "INSERT INTO fulfilment_cursors (name, xid, seq, updated_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT DO NOTHING"
)
_P_CURSOR_MOVE = (
    "UPDATE fulfilment_cursors SET xid = $2, seq = $3, updated_at = $4"
    " WHERE name = $1 AND xid = $5 AND seq = $6"
)
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
# The new rows once, as the table's own type; their events made from them in the same call.
_P_INSERT = (
    "WITH r AS (SELECT * FROM jsonb_populate_recordset(NULL::fulfilment_orders, $1::jsonb)),"
    " i AS (INSERT INTO fulfilment_orders SELECT * FROM r ON CONFLICT DO NOTHING RETURNING 1),"
    " e AS (INSERT INTO order_events (order_id, kind, at, actor, data)"
    " SELECT r.source_id, 'fulfilment.allocated', r.updated_at, $2, jsonb_build_object("
    "'fulfilment_order_id', r.id, 'location', r.location, 'quantity', r.quantity)"
    " FROM r WHERE $3::boolean AND r.status = 'allocated' AND r.source_kind = 'order'"
    " ORDER BY r.paid_at, r.source_id, r.part RETURNING 1)"
    " SELECT (SELECT count(*) FROM i), (SELECT count(*) FROM e)"
)
_P_EVENTS = (
    "INSERT INTO order_events (order_id, kind, at, actor, data)"
    " SELECT d.order_id, 'fulfilment.allocated', $3, $4, d.data::jsonb"
    " FROM unnest($1::varchar[], $2::text[]) AS d(order_id, data)"
)
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
    """The SQLite text of the few distinct times of a batch (its decision time), made once."""

    def __init__(self) -> None:
        self._made: dict[datetime, str] = {}

    def __call__(self, moment: datetime) -> str:
        text = self._made.get(moment)
        if text is None:
            text = self._made[moment] = _sqlite_time(moment)
        return text


class _EventData:
    """A ``fulfilment.allocated`` event's JSON, as ``AllocatedEvent.data`` holds it, without a
    dict and a serialisation per event: ids are ours and a location's JSON is made once."""

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

    def _markets_known(self) -> dict[str, str]:
        if self._sale_markets is None:
            self._sale_markets = {}
        return self._sale_markets

    async def paid_and_cancelled(self, after: EventCursor, limit: int) -> FeedPage:
        markets = self._markets_known()
        if self._reader is not None:  # SQLite: one hop to the reader's thread
            return await self._reader.read(lambda db: _sqlite_page(db, after, limit, markets))
        async with self._engine.connect() as conn:
            driver = await _driver(conn)
            found = await driver.fetch(_PG_FEED, after.xid, after.seq, limit)
            missing = list({row[5] for row in found} - markets.keys())
            if missing:
                markets.update((r[0], r[1]) for r in await driver.fetch(_PG_MARKETS, missing))
        kinds = _KINDS
        entries = [
            FeedEntry(
                EventCursor(xid, seq),
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

        def work(conn: Connection) -> bool:
            return self._write_sqlite(conn, name, after, to, plan, reference)

        return await self._write(work)

    # -- SQLite, on the writer thread --------------------------------------------------------

    def _write_sqlite(
        self,
        conn: Connection,
        name: str,
        after: EventCursor | None,
        to: EventCursor | None,
        plan: AllocationPlan,
        reference: str,
    ) -> bool:
        run = conn.exec_driver_sql
        if to is not None:
            now = _sqlite_time(datetime.now(UTC))
            if after is None:
                moved = run(_S_CURSOR_NEW, (name, to.xid, to.seq, now)).rowcount
            else:
                moved = run(
                    _S_CURSOR_MOVE, (to.xid, to.seq, now, name, after.xid, after.seq)
                ).rowcount
            if moved != 1:
                return False
        for (location, sku), change in sorted(plan.levels.items()):
            guard = change.promised if change.promised > 0 else _UNGUARDED
            params = (change.allocated, change.committed, location, sku, guard)
            if run(_S_LEVEL, params).rowcount != 1:
                raise StaleSnapshot(f"{sku} at {location} has less free than the batch takes")
        for (sale_id, location), delta in sorted(plan.allotments.items()):
            guard = delta.draws if delta.draws > 0 else _UNGUARDED
            params = (delta.drawn, delta.quantity, sale_id, location, guard)
            if run(_S_ALLOTMENT, params).rowcount != 1:
                raise StaleSnapshot(f"the allotment of {sale_id} at {location} has less left")
        if plan.placed:
            placed = [
                (fo.location, fo.quantity, fo.from_allotment, _sqlite_time(fo.updated_at), fo.id)
                for fo in plan.placed
            ]
            if run(_S_PLACE, placed).rowcount != len(placed):
                raise StaleSnapshot("a fulfilment order is no longer unallocated")
        if plan.cancelled:
            cancelled = [
                (fo.reason, _sqlite_time(fo.updated_at), fo.id, was.value)
                for fo, was in plan.cancelled
            ]
            if run(_S_CANCEL, cancelled).rowcount != len(cancelled):
                raise StaleSnapshot("a fulfilment order moved since it was read")
        # The bulk rows straight to the driver (SQLAlchemy's executemany costs per row).
        db = conn.connection.dbapi_connection
        assert db is not None
        times = _TimeTexts()
        if plan.inserts:
            inserts = [
                (
                    fo.id,
                    _VALUE[fo.source_kind],
                    fo.source_id,
                    fo.part,
                    fo.sale_id,
                    fo.market_code,
                    fo.sku,
                    fo.quantity,
                    fo.region,
                    _VALUE[fo.status],
                    fo.location,
                    fo.from_allotment,
                    fo.reason,
                    _sqlite_time(fo.paid_at),
                    times(fo.updated_at),
                )
                for fo in plan.inserts
            ]
            if db.executemany(_S_INSERT, inserts).rowcount != len(inserts):
                raise AlreadyPlaced("an order of the batch has a fulfilment order already")
        if plan.moves:
            db.executemany(
                _S_MOVE,
                [
                    (
                        m.location,
                        m.sku,
                        m.kind.value,
                        m.on_hand_change,
                        m.allocated_change,
                        reference,
                        m.actor,
                        times(m.at),
                    )
                    for m in plan.moves
                ],
            )
        if plan.events and self._order_events:
            kind = OrderEventKind.ALLOCATED.value
            data = _EventData()
            db.executemany(
                _S_EVENT,
                [(e.order_id, kind, times(e.at), ACTOR, data(e)) for e in plan.events],
            )
        return True

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
        if to is not None:
            if after is None:
                status = await driver.execute(_P_CURSOR_NEW, name, to.xid, to.seq, now)
            else:
                status = await driver.execute(
                    _P_CURSOR_MOVE, name, to.xid, to.seq, now, after.xid, after.seq
                )
            if _count(status) != 1:
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
            placed = {fo.id for fo in plan.placed}
            events = [e for e in plan.events if e.fulfilment_order_id in placed]
            if events and self._order_events:
                await driver.execute(
                    _P_EVENTS,
                    [e.order_id for e in events],
                    [orjson.dumps(e.data()).decode() for e in events],
                    events[0].at,
                    ACTOR,
                )
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
        if plan.inserts:
            payload = orjson.dumps(plan.inserts).decode()
            inserted, _ = await driver.fetchrow(_P_INSERT, payload, ACTOR, self._order_events)
            if inserted != len(plan.inserts):
                raise AlreadyPlaced("an order of the batch has a fulfilment order already")
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
    db: sqlite3.Connection, after: EventCursor, limit: int, markets: dict[str, str]
) -> FeedPage:
    """On the SQLite reader's thread, in one snapshot (platform/sql/sqlite_reader.py)."""
    found = db.execute(_SQLITE_FEED, (after.seq, limit)).fetchall()
    missing = list({row[5] for row in found} - markets.keys())
    if missing:
        markets.update(db.execute(_SQLITE_MARKETS, (orjson.dumps(missing).decode(),)))
    kinds, parse = _KINDS, datetime.fromisoformat
    entries = [
        FeedEntry(
            EventCursor(0, seq),
            kinds[kind],
            order_id,
            sale_id,
            markets.get(sale_id, ""),
            sku,
            quantity,
            region,
            parse(at + "+00:00"),
            pickup,
        )
        for _, seq, kind, at, order_id, sale_id, sku, quantity, region, pickup in found
    ]
    return FeedPage(entries, entries[-1].cursor if entries else after)
