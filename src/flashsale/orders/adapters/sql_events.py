"""Reading the order event feed in SQL (orders/domain/events.py says why the cursor is a pair).

PostgreSQL: rows are read by (xid, seq) and only below the xmin of the reading statement's
snapshot, the oldest transaction still running anywhere on the server. Every transaction below
it has ended, so whatever it wrote is visible now or never will be: a writer that took its
``seq`` early and committed late is read after the cursor reaches it, not skipped. The price:
a transaction left open anywhere on the server holds the feed back until it ends.

SQLite: its one writer commits in ``seq`` order, so ``seq`` alone is the cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from sqlalchemy import ColumnClause, Connection, Select, literal_column, select, tuple_

from flashsale.kernel.money import Money
from flashsale.orders.adapters.sql_tables import order_events, orders
from flashsale.orders.domain.events import (
    EventCursor,
    EventPage,
    OrderEvent,
    OrderEventKind,
    OrderFacts,
)
from flashsale.platform.sql.database import SqlDatabase

_OLDEST_RUNNING: ColumnClause[int] = literal_column(
    "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
)


_KINDS = {kind.value: kind for kind in OrderEventKind}
_SQLITE_PAGE = (
    "SELECT e.seq, e.order_id, e.kind, e.at, e.actor, e.data, o.sale_id, o.customer_id, o.sku,"
    " o.quantity, o.amount, o.currency, o.expires_at"
    " FROM order_events AS e JOIN orders AS o ON o.id = e.order_id"
    " WHERE e.seq > ?{kinds} ORDER BY e.seq LIMIT ?"
)


def _utc(stored: str) -> datetime:
    """UtcDateTime's SQLite text (UTC wall time) as an aware datetime."""
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


class SqlOrderEventFeed(SqlDatabase):
    """Reads the feed, and appends to it inside the caller's transaction."""

    _order_events = True

    def _append_events(self, conn: Connection, events: list[dict[str, Any]]) -> None:
        if events and self._order_events:
            conn.execute(order_events.insert(), events)

    async def read_order_events(
        self, after: EventCursor, limit: int, kinds: frozenset[OrderEventKind] | None = None
    ) -> EventPage:
        if self._dialect == "sqlite":
            events = await self._sqlite_page(after, limit, kinds)
            return EventPage(events, events[-1].cursor if events else after)
        query = self._page(after, limit)
        if kinds is not None:
            query = query.where(order_events.c.kind.in_(sorted(kinds)))
        events = await self._events(query)
        return EventPage(events, events[-1].cursor if events else after)

    async def _sqlite_page(
        self, after: EventCursor, limit: int, kinds: frozenset[OrderEventKind] | None
    ) -> list[OrderEvent]:
        """The feed's hot read on SQLite, straight from the driver's rows.

        Readers (webhooks, the relay, order mail) go through the whole feed page by page;
        SQLAlchemy's row processing and the checks of the domain's constructors cost several
        times SQLite's own fetch, and every value here was written by this module's writers in
        a known form: UTC wall time as text, amounts as decimal text, data as JSON.
        """
        chosen = "" if kinds is None else f" AND e.kind IN ({', '.join('?' for _ in kinds)})"
        sql = _SQLITE_PAGE.format(kinds=chosen)
        params = (after.seq, *sorted(kinds or ()), limit)
        async with self._engine.connect() as conn:
            rows = cast(Sequence[Sequence[Any]], (await conn.exec_driver_sql(sql, params)).all())
        events = []
        facts_of: dict[str, OrderFacts] = {}  # an order's events in one page share its facts
        for row in rows:
            order_id = row[1]
            facts = facts_of.get(order_id)
            if facts is None:
                facts = OrderFacts(row[6], row[7], row[8], row[9], row[10], row[11], _utc(row[12]))
                facts_of[order_id] = facts
            events.append(
                OrderEvent(
                    EventCursor(0, row[0]),
                    order_id,
                    _KINDS[row[2]],
                    _utc(row[3]),
                    row[4],
                    facts,
                    # NULL, or JSON null where SQLAlchemy's JSON type wrote None: no data.
                    (orjson.loads(row[5]) if row[5] else None) or {},
                )
            )
        return events

    async def events_of_order(self, order_id: str) -> list[OrderEvent]:
        query = self._columns().where(order_events.c.order_id == order_id)
        return await self._events(query.order_by(order_events.c.seq))

    async def _events(self, query: Select[tuple[object, ...]]) -> list[OrderEvent]:
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).all()
        return [
            OrderEvent(
                cursor=EventCursor(row.xid or 0, row.seq),
                order_id=row.order_id,
                kind=OrderEventKind(row.kind),
                at=row.at,
                actor=row.actor,
                order=OrderFacts(
                    row.sale_id,
                    row.customer_id,
                    row.sku,
                    row.quantity,
                    str(Money(row.amount, row.currency).amount),
                    row.currency,
                    row.expires_at,
                ),
                data=row.data or {},
            )
            for row in found
        ]

    def _page(self, after: EventCursor, limit: int) -> Select[tuple[object, ...]]:
        e = order_events.c
        query = self._columns()
        if self._dialect == "postgresql":
            return (
                query.where(tuple_(e.xid, e.seq) > tuple_(after.xid, after.seq))
                .where(e.xid < _OLDEST_RUNNING)
                .order_by(e.xid, e.seq)
                .limit(limit)
            )
        return query.where(e.seq > after.seq).order_by(e.seq).limit(limit)

    @staticmethod
    def _columns() -> Select[tuple[object, ...]]:
        e, o = order_events.c, orders.c
        return select(
            e.seq,
            e.xid,
            e.order_id,
            e.kind,
            e.at,
            e.actor,
            e.data,
            o.sale_id,
            o.customer_id,
            o.sku,
            o.quantity,
            o.amount,
            o.currency,
            o.expires_at,
        ).join_from(order_events, orders, o.id == e.order_id)
