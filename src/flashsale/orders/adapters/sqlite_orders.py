"""The group commit on SQLite, sent straight to the sqlite3 cursor: the record's check of the
batch (``domain.placement``) and its INSERT, in one transaction.

SQLAlchemy's execution context costs tens of µs per row under a purchase burst, more than
SQLite itself, so this one hot statement goes to the DBAPI cursor of the same SQLAlchemy
transaction, each value converted by SQLAlchemy's own bind processor for its column (rows are
stored exactly as every other query of the store writes and reads them).

It is one multi-row ``INSERT ... VALUES (...), (...)`` per chunk rather than ``executemany``:
sqlite3 drops and retakes the GIL around every statement step, and on the writer thread each
retake waits for the busy event loop (measured: 159 µs per order with executemany under load).

The transaction opens with a write to the rows of the batch's sales, so it holds SQLite's write
lock before it reads what they and their customers hold: no other writer can move a count
between the check and the insert.
"""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

from flashsale.orders.adapters.sql_tables import orders
from flashsale.orders.domain.order import LIVE_STATUSES, Order
from flashsale.orders.domain.placement import Placement, SaleUnits, place
from flashsale.platform.sql.columns import UtcDateTime

_Processor = Callable[[Any], Any] | None
# 13 columns x 500 rows stays far below SQLite's limit of 32,766 bound parameters.
ROWS_PER_STATEMENT = 500
_LIVE = tuple(sorted(s.value for s in LIVE_STATUSES))
# The batch's customers go as one JSON array, and its event rows by a range of rowids, so that
# these statements keep one text whatever the batch's size. sqlite3 keeps the last 128
# statements it prepared: a text per size (``IN (?, ?, ...)``) beside the orders' INSERT, which
# has one per size already, would overflow it, and preparing the evicted statements again costs
# the group commit more than SQLite's own work for the event rows (benchmarks/event_rows.py).
# CROSS JOIN: SQLite walks the array and looks each value up in the index on the column.
_CUSTOMERS_ORDERS = (
    "SELECT o.sale_id, o.customer_id, o.idempotency_key, o.quantity, o.status"
    " FROM json_each(?) AS wanted CROSS JOIN orders AS o ON o.customer_id = wanted.value"
)
# Every order row the batch inserts lands above the table's highest rowid before the batch
# (SQLite gives a new row max(rowid) + 1, and the transaction holds the write lock): the event
# rows are copied from that range of the table's own B-tree, in insertion order, rather than
# looked up one by one by their random text ids.
_LAST_ORDER = "SELECT max(rowid) FROM orders"
_APPEND_EVENTS = (
    "INSERT INTO order_events (order_id, kind, at, actor)"
    " SELECT id, 'order.' || status, created_at, 'customer:' || customer_id"
    " FROM orders WHERE rowid > ? ORDER BY rowid"
)


@dataclass(frozen=True, slots=True)
class _Statements:
    plain: list[tuple[str, list[Any]]]  # orders without an idempotency key: all are stored
    keyed: list[tuple[str, list[Any]]]  # RETURNING the ids that ON CONFLICT did not skip
    plain_ids: set[str]

    def run(self, cursor: Any) -> set[str]:
        for sql, values in self.plain:
            cursor.execute(sql, values)
        stored = set(self.plain_ids)
        for sql, values in self.keyed:
            cursor.execute(sql, values)
            stored.update(found for (found,) in cursor.fetchall())
        return stored


@dataclass(frozen=True, slots=True)
class PreparedPlacement:
    inserter: SqliteOrderInserter
    orders: list[Order]
    rows: dict[str, dict[str, Any]]  # by order id
    statements: _Statements  # rendered for the whole batch, which is what is stored nearly always
    with_events: bool

    def run(self, conn: Connection) -> Placement:
        """Check and insert in the caller's transaction; the ids stored and refused."""
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            sale_ids = sorted({o.sale_id for o in self.orders})
            marks = ", ".join("?" for _ in sale_ids)
            # A write first: the transaction takes the write lock before it reads the counts.
            cursor.execute(
                f"UPDATE sale_stock SET units_held = units_held WHERE sale_id IN ({marks})",
                sale_ids,
            )
            # A sale without its count refuses every unit (its row is made with the sale).
            cursor.execute(
                "SELECT s.id, s.stock_total, s.per_customer_limit,"
                " coalesce(c.units_held, s.stock_total)"
                " FROM sales AS s LEFT JOIN sale_stock AS c ON c.sale_id = s.id"
                f" WHERE s.id IN ({marks})",
                sale_ids,
            )
            sales = {row[0]: SaleUnits(row[1], row[2], row[3]) for row in cursor.fetchall()}
            held, keys = _customers_facts(cursor, self.orders)
            decided = place(self.orders, sales, held, keys)
            statements = self.statements
            if len(decided.to_store) != len(self.orders):
                statements = self.inserter.statements([self.rows[o.id] for o in decided.to_store])
            last = _last_order(cursor) if self.with_events else 0
            stored = statements.run(cursor)
            if stored != decided.placement.stored:
                # Under the write lock the keys read above are all there is: a bug, so store
                # nothing rather than counts that disagree with the rows.
                raise RuntimeError("the batch stored other orders than it decided to")
            if self.with_events and stored:
                _append_events(cursor, last)
            counts = [
                (units, sale_id) for sale_id, units in sorted(decided.units_added.items()) if units
            ]
            cursor.executemany(
                "UPDATE sale_stock SET units_held = units_held + ? WHERE sale_id = ?", counts
            )
            return decided.placement
        finally:
            cursor.close()


def _last_order(cursor: Any) -> int:
    """The highest rowid of the orders before the batch's insert (0: none yet)."""
    cursor.execute(_LAST_ORDER)
    ((last,),) = cursor.fetchall()
    return int(last or 0)


def _append_events(cursor: Any, after: int) -> None:
    """The feed's rows of the orders inserted since ``_last_order`` said ``after``, copied
    from them in SQLite itself, in the order they were stored."""
    cursor.execute(_APPEND_EVENTS, (after,))


def _json_text(values: Sequence[str]) -> str:
    # Text, not bytes: sqlite3 binds bytes as a BLOB, which SQLite's JSON functions take for
    # JSON text only as a legacy allowance (3.45.0 read it as binary JSONB).
    return orjson.dumps(list(values)).decode()


def _customers_facts(
    cursor: Any, batch: Sequence[Order]
) -> tuple[dict[tuple[str, str], int], set[tuple[str, str]]]:
    """Live units per (sale, customer) and the stored idempotency keys of the batch's
    customers: one read of their orders (the unique key's index leads with the customer)."""
    customers = list({o.customer_id for o in batch})
    wanted_keys = {(o.customer_id, o.idempotency_key) for o in batch if o.idempotency_key}
    sales = {o.sale_id for o in batch}
    held: dict[tuple[str, str], int] = defaultdict(int)
    keys: set[tuple[str, str]] = set()
    cursor.execute(_CUSTOMERS_ORDERS, (_json_text(customers),))
    for sale_id, customer_id, key, quantity, status in cursor.fetchall():
        if (customer_id, key) in wanted_keys:
            keys.add((customer_id, key))
        if sale_id in sales and status in _LIVE:
            held[(sale_id, customer_id)] += quantity
    return held, keys


_UTC_TEXT = "%04d-%02d-%02d %02d:%02d:%02d.%06d"  # SQLAlchemy's SQLite DATETIME storage format


def sqlite_utc_text(value: datetime) -> str:
    """What UtcDateTime and SQLAlchemy's SQLite DATETIME together write, at a third of the cost.

    Their chain costs ~4 µs a value, several times a group commit's share of SQLite itself;
    the unit tests hold both spellings equal.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} refused: say it is UTC")
    v = value.astimezone(UTC)
    return _UTC_TEXT % (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)


class SqliteOrderInserter:
    def __init__(self, dialect: Dialect) -> None:
        self._columns = [column.name for column in orders.columns]
        processors: list[_Processor] = [
            sqlite_utc_text
            if isinstance(column.type, UtcDateTime)
            else column.type._cached_bind_processor(dialect)
            for column in orders.columns
        ]
        self._pick = operator.itemgetter(*self._columns)
        # Most columns (ids, text, integers) go to sqlite3 as they are.
        self._converted = [(i, p) for i, p in enumerate(processors) if p is not None]
        self._row_marks = "(" + ", ".join("?" for _ in self._columns) + ")"
        self._insert_head = f"INSERT INTO {orders.name} ({', '.join(self._columns)}) VALUES "
        self._skip_replays = " ON CONFLICT (customer_id, idempotency_key) DO NOTHING"
        self.with_events = True

    def prepare(self, batch: Sequence[Order], rows: Sequence[dict[str, Any]]) -> PreparedPlacement:
        """Render the statements on the caller's thread, so the writer thread holds the GIL
        for as little as possible: there it only waits on SQLite, which releases it."""
        return PreparedPlacement(
            self,
            list(batch),
            {row["id"]: row for row in rows},
            self.statements(rows),
            self.with_events,
        )

    def statements(self, rows: Sequence[dict[str, Any]]) -> _Statements:
        plain = [row for row in rows if row["idempotency_key"] is None]
        keyed = [row for row in rows if row["idempotency_key"] is not None]
        return _Statements(
            plain=self._statements(plain, returning=False),
            keyed=self._statements(keyed, returning=True),
            plain_ids={row["id"] for row in plain},
        )

    def _statements(
        self, rows: Sequence[dict[str, Any]], *, returning: bool
    ) -> list[tuple[str, list[Any]]]:
        statements = []
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            values = []
            for row in chunk:
                values += self._values(row)
            statements.append((self._insert_sql(len(chunk), returning), values))
        return statements

    @functools.lru_cache(maxsize=128)  # noqa: B019 (one inserter per store, for its lifetime)
    def _insert_sql(self, count: int, returning: bool) -> str:
        sql = self._insert_head + ", ".join([self._row_marks] * count) + self._skip_replays
        return sql + " RETURNING id" if returning else sql

    def _values(self, row: dict[str, Any]) -> list[Any]:
        values = list(self._pick(row))
        for index, process in self._converted:
            if values[index] is not None:
                values[index] = process(values[index])
        return values
