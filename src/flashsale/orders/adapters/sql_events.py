"""Reading the order event feed in SQL (orders/domain/events.py says why the cursor is a pair).

PostgreSQL: rows are read by (xid, seq) and only below the xmin of the reading statement's
snapshot, the oldest transaction still running anywhere on the server. Every transaction below
it has ended, so whatever it wrote is visible now or never will be: a writer that took its
``seq`` early and committed late is read after the cursor reaches it, not skipped. The price:
a transaction left open anywhere on the server holds the feed back until it ends.

SQLite: its one writer commits in ``seq`` order, so ``seq`` alone is the cursor.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import Connection, Select, select

from flashsale.kernel.money import Money
from flashsale.orders.adapters.feed_pages import FactsKept, postgres_page, sqlite_page
from flashsale.orders.adapters.sql_tables import order_events, orders
from flashsale.orders.domain.events import (
    EventCursor,
    EventPage,
    OrderEvent,
    OrderEventKind,
    OrderFacts,
)
from flashsale.platform.sql.database import SqlDatabase


class SqlOrderEventFeed(SqlDatabase):
    """Reads the feed, and appends to it inside the caller's transaction."""

    _order_events = True
    _facts_kept: FactsKept | None = None  # the orders' facts met last (feed_pages.py)

    def _append_events(self, conn: Connection, events: list[dict[str, Any]]) -> None:
        if events and self._order_events:
            conn.execute(order_events.insert(), events)

    async def read_order_events(
        self, after: EventCursor, limit: int, kinds: frozenset[OrderEventKind] | None = None
    ) -> EventPage:
        if self._facts_kept is None:
            self._facts_kept = FactsKept()
        if self._reader is not None:  # SQLite: one hop to the reader's thread
            page = partial(sqlite_page, after, limit, kinds, self._facts_kept)
            events = await self._reader.read(page)
        else:
            async with self._engine.connect() as conn:
                driver = (await conn.get_raw_connection()).driver_connection
                assert driver is not None
                events = await postgres_page(after, limit, kinds, self._facts_kept, driver)
        return EventPage(events, events[-1].cursor if events else after)

    async def events_of_order(self, order_id: str) -> list[OrderEvent]:
        query = self._columns().where(order_events.c.order_id == order_id)
        return await self._events(query.order_by(order_events.c.seq))

    async def _events(self, query: Select[tuple[object, ...]]) -> list[OrderEvent]:
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).all()
        return [
            OrderEvent(
                seq=row.seq,
                xid=row.xid or 0,
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
