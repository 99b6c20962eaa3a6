"""The feed's hot read, a page at a time, straight from each driver's rows.

Readers (webhooks, the relay, order mail, fulfilment, reporting) go through the whole feed page
by page, by the hundred thousand events. SQLAlchemy's row processing and the domain's checks
cost several times the database's own fetch, and every value here was written by the feed's
writers in a known form (UTC times, exact amounts, JSON data), so the rows become events
directly.

An event row holds only what changed; the order's facts (sale, customer, SKU, quantity,
amount) are fetched once per order and kept (``FactsKept``): they never change once the order
is placed, and a reader meets each order several times (reserved, paid, shipped ...). A join
would look the order up again for every event, at twice the event's own fetch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

import asyncpg
import orjson

from flashsale.kernel.money import Money
from flashsale.orders.domain.events import (
    NO_DATA,
    EventCursor,
    OrderEvent,
    OrderEventKind,
    OrderFacts,
)

_KINDS = {kind.value: kind for kind in OrderEventKind}
_ORDER_ID = itemgetter(1)  # of a SQLite page's row
_PG_ORDER_ID = itemgetter(2)  # of a PostgreSQL page's row
# About 200 bytes an order: a reader keeps at most some 40 MB of facts.
FACTS_KEPT = 200_000

_SQLITE_PAGE = (
    "SELECT seq, order_id, kind, at || '+00:00', actor, data FROM order_events"
    " WHERE seq > ?{kinds} ORDER BY seq LIMIT ?"
)
# UtcDateTime's SQLite text is UTC wall time: given its offset, it parses as an aware datetime
# four times faster than ``replace(tzinfo=...)`` after parsing.
_SQLITE_FACTS = (
    "SELECT o.id, sale_id, customer_id, sku, quantity, amount, currency,"
    " expires_at || '+00:00' FROM json_each(?) AS wanted CROSS JOIN orders AS o"
    " ON o.id = wanted.value"
)
# CROSS JOIN makes SQLite walk the wanted ids and look each up: a quarter cheaper than
# ``id IN (SELECT value FROM json_each(?))``, which builds a temporary list first.
# Only below the xmin of the statement's snapshot: sql_events.py says why.
_POSTGRES_PAGE = (
    "SELECT seq, xid, order_id, kind, at, actor, data::text FROM order_events"
    " WHERE (xid, seq) > ($1, $2)"
    " AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint{kinds}"
    " ORDER BY xid, seq LIMIT $3"
)
_POSTGRES_FACTS = (
    "SELECT id, sale_id, customer_id, sku, quantity, amount, currency, expires_at FROM orders"
    " WHERE id = ANY($1::text[])"
)


class FactsKept:
    """The facts of the orders a reader met last, by order id."""

    def __init__(self, most: int = FACTS_KEPT) -> None:
        self._most = most
        self.by_order: dict[str, OrderFacts] = {}

    def missing(self, order_ids: Iterable[str]) -> list[str]:
        return list(set(order_ids).difference(self.by_order))

    def keep(self, found: list[tuple[str, OrderFacts]]) -> None:
        if len(self.by_order) + len(found) > self._most:
            self.by_order.clear()  # the next pages' orders are fetched again, once each
        self.by_order.update(found)


def sqlite_page(
    after: EventCursor,
    limit: int,
    kinds: frozenset[OrderEventKind] | None,
    facts: FactsKept,
    db: sqlite3.Connection,
) -> list[OrderEvent]:
    """Run on the SQLite reader's thread (platform/sql/sqlite_reader.py), in one snapshot."""
    chosen = "" if kinds is None else f" AND kind IN ({', '.join('?' for _ in kinds)})"
    page = db.execute(
        _SQLITE_PAGE.format(kinds=chosen), (after.seq, *sorted(kinds or ()), limit)
    ).fetchall()
    # tuple.__new__ skips the named tuples' Python-level __new__, and the parses are inlined:
    # at a few hundred thousand events a second each call is a tenth of the budget.
    new, parse, loads = tuple.__new__, datetime.fromisoformat, orjson.loads
    missing = facts.missing(map(_ORDER_ID, page))
    if missing:
        # Text, not bytes: SQLite 3.45.0 alone read a blob argument as its binary JSON.
        rows = db.execute(_SQLITE_FACTS, (orjson.dumps(missing).decode(),))
        facts.keep(
            [
                (f[0], new(OrderFacts, (f[1], f[2], f[3], f[4], f[5], f[6], parse(f[7]))))
                for f in rows
            ]
        )
    # Data that is NULL, or JSON null where SQLAlchemy's JSON type wrote None, is no data.
    known, kind_of = facts.by_order, _KINDS
    return [
        new(
            OrderEvent,
            (
                seq,
                order_id,
                kind_of[kind],
                parse(at),
                actor,
                known[order_id],
                (loads(data) or NO_DATA) if data else NO_DATA,
                0,
            ),
        )
        for seq, order_id, kind, at, actor, data in page
    ]


async def postgres_page(
    after: EventCursor,
    limit: int,
    kinds: frozenset[OrderEventKind] | None,
    facts: FactsKept,
    db: asyncpg.Connection,
) -> list[OrderEvent]:
    """On the asyncpg connection of a pooled SQLAlchemy connection: two statements, each
    self-consistent (an event is read only once its order is stored)."""
    if kinds is None:
        page = await db.fetch(_POSTGRES_PAGE.format(kinds=""), after.xid, after.seq, limit)
    else:
        page = await db.fetch(
            _POSTGRES_PAGE.format(kinds=" AND kind = ANY($4::text[])"),
            after.xid,
            after.seq,
            limit,
            sorted(kinds),
        )
    missing = facts.missing(map(_PG_ORDER_ID, page))
    if missing:
        rows = await db.fetch(_POSTGRES_FACTS, missing)
        facts.keep([(f[0], _postgres_facts(f)) for f in rows])
    known, kind_of, loads, new = facts.by_order, _KINDS, orjson.loads, tuple.__new__
    return [
        new(
            OrderEvent,
            (
                seq,
                order_id,
                kind_of[kind],
                at,  # timestamptz: asyncpg gives it aware, in UTC
                actor,
                known[order_id],
                (loads(data) or NO_DATA) if data else NO_DATA,
                xid,
            ),
        )
        for seq, xid, order_id, kind, at, actor, data in page
    ]


def _postgres_facts(row: Any) -> OrderFacts:
    amount: Decimal = row[5]
    # NUMERIC keeps the scale it was given; the facts show the currency's minor unit.
    exact = str(Money(amount, row[6]).amount)
    return OrderFacts(row[1], row[2], row[3], row[4], exact, row[6], row[7])
