"""The group commit on PostgreSQL: a whole batch is one call with one parameter.

    SELECT order_id, outcome FROM place_orders($1::jsonb, $2::text[], $3::boolean)

``place_orders`` (migrations 0004, 0006) locks the counts of the batch's sales, refuses the orders
that would pass a sale's stock or a customer's limit (``domain.placement``), inserts the rest
from ``jsonb_populate_recordset(NULL::orders, $1)`` (``ON CONFLICT (customer_id,
idempotency_key) DO NOTHING``), appends their ``order.reserved`` events to the feed and moves
the counts. jsonb, not json: the function reads the
batch twice (the check, then the insert), and jsonb is parsed once, on the way in. The batch
travels as one JSON array of rows (orjson) and the server turns each into a row of
the ``orders`` table's own type, so every value is parsed by its column's input function
(varchar(n) refuses an over-long value, numeric keeps "0.10" exact). The statement text never
changes, so asyncpg prepares it once per connection, and 1 or 512 orders are one round trip.

Measured against the alternatives (benchmarks/pg_commit.py, 512-order batches, two runs):
client CPU per order stored, all in: SQLAlchemy's "insertmanyvalues" (13 bound parameters a
row) 21–28 µs; ``INSERT ... SELECT FROM unnest`` over 13 typed arrays 21–26 µs (a profile
shows asyncpg checking every array element against ``collections.abc``); this 12–17 µs. The
orders per second are the server's (WAL flush, indexes, foreign keys) and about the same for
all three; on 2 shared cores the API process's CPU is the scarce thing.

The statement goes straight to the asyncpg connection of a pooled SQLAlchemy connection, as
one implicitly committed statement: SQLAlchemy's execution context, BEGIN and COMMIT cost more
client CPU than the statement itself (measured with 64-order batches under a test run: 34–38
µs per order through ``engine.begin()`` and ``exec_driver_sql``, 22–24 µs this way). A unique
violation is still raised as SQLAlchemy's ``IntegrityError``, as on every other path. Values
pass through each column's bind processor first, so a naive datetime is refused here exactly
as elsewhere, rather than read by the server in its session time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from flashsale.orders.adapters.sql_tables import orders
from flashsale.orders.domain.placement import Placement
from flashsale.orders.ports import CommitOutcomeUnknown

_Processor = Callable[[Any], Any] | None


class PostgresOrderInserter:
    def __init__(self, dialect: Dialect) -> None:
        self._processed = [
            (column.name, processor)
            for column in orders.columns
            if (processor := column.type._cached_bind_processor(dialect)) is not None
        ]
        # A replayed batch (a retry after a lost answer, a second process with the same key)
        # meets the unique key and is skipped: neither stored nor refused. An id stored twice
        # is not skipped: it violates the primary key and fails the batch.
        self.sql = "SELECT order_id, outcome FROM place_orders($1::jsonb, $2::text[], $3::boolean)"
        self.with_events = True

    def payload(self, rows: Sequence[dict[str, Any]]) -> str:
        """The batch as one JSON array, each value as its column's bind processor makes it."""
        processed = []
        for row in rows:
            row = dict(row)
            for name, process in self._processed:
                if row[name] is not None:
                    row[name] = process(row[name])
            processed.append(row)
        return orjson.dumps(processed, default=_exact).decode()

    async def place(self, engine: AsyncEngine, rows: Sequence[dict[str, Any]]) -> Placement:
        """Check, insert and commit; the ids stored and refused (replayed keys are neither).

        ``engine`` should not ping its connections on checkout: a ping is a round trip (and a
        transaction) per batch, ~9 % of the API process's samples on the Redis + PostgreSQL
        purchase path. A connection the server closed is noticed here instead, without a round
        trip, and one that breaks during the statement is thrown away.
        """
        payload = self.payload(rows)
        async with engine.connect() as conn:
            driver = await _open_driver(conn)
            try:
                sale_ids = sorted({r["sale_id"] for r in rows})
                stored = await driver.fetch(self.sql, payload, sale_ids, self.with_events)
            # Raised as SQLAlchemy raises them, so callers handle one family of errors.
            except asyncpg.IntegrityConstraintViolationError as exc:
                raise IntegrityError(self.sql, None, exc) from exc
            except asyncpg.PostgresError as exc:
                raise DBAPIError(self.sql, None, exc) from exc
            except (OSError, asyncpg.InterfaceError) as exc:
                # The server went away with the statement sent: an error it answered would be
                # a PostgresError above (and the statement's own transaction rolled back).
                await conn.invalidate()
                raise CommitOutcomeUnknown(f"the group commit lost its connection: {exc}") from exc
        placement = Placement()
        outcomes = (placement.stored, placement.over_limit, placement.sold_out)
        for order_id, outcome in stored:
            outcomes[outcome].add(order_id)
        return placement


async def _open_driver(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection of ``conn``, replaced once if the server has closed it."""
    for _ in range(2):
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        if not driver.is_closed():
            return driver
        await conn.invalidate()  # a restarted server closed it: the pool connects anew
    raise OperationalError("connect", None, ConnectionError("no open connection to the server"))


def _exact(value: Any) -> str:
    # An amount goes as its decimal string: a JSON number could pass through a binary float.
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a value of the orders table")
