"""The POS group commit on SQLite: a batch of sales in one transaction of the writer thread,
sent straight to the sqlite3 cursor, a fixed number of statements whatever the batch's size.

1. A write to the batch's stores first, so the transaction holds SQLite's write lock before it
   reads: nothing can move a counter or a level between the reads and the writes. It returns
   their last receipt numbers.
2. The batch's keys already stored, the free units of the levels the batch touches (on hand -
   allocated - committed).
   Both reads walk the batch's few pairs and look each up in its unique index (``CROSS
   JOIN`` keeps that order whatever the planner's statistics): SQLite (3.40) answers
   ``(a, b) IN (VALUES ...)`` of more than one row by scanning the whole table, which grew
   with every sale ever made.
3. ``plan_sales`` decides each sale in memory; then, for what it accepted, one ``UPDATE`` of
   the counters, one of the levels (still guarded in the statement: a mismatch means the lock
   did not hold, and the batch rolls back; each returns the rows it changed, counted), and one
   multi-row insert each of sales, lines and ``ship`` moves: eight statements in all.

SQLAlchemy's execution context cost ~200 µs a statement on the writer thread (1.8 ms of CPU for
a batch of one, measured), several times SQLite's own work, as for the orders' group commit
(``orders/adapters/sqlite_orders.py``). Each value still goes through its column's bind
processor, so the rows are stored exactly as every other query writes and reads them. Multi-row
statements rather than ``executemany``: sqlite3 retakes the GIL around every step, and on the
writer thread each retake waits for the busy event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect

from flashsale.inventory.adapters import sql_rows as inventory_rows
from flashsale.inventory.adapters.sql_tables import stock_moves
from flashsale.stores.adapters import sql_rows as rows
from flashsale.stores.adapters.sql_tables import pos_sale_lines, pos_sales
from flashsale.stores.domain.ledger import sale_moves
from flashsale.stores.domain.sale import PosSale
from flashsale.stores.domain.sale_batch import (
    Level,
    LocksDidNotHold,
    Outcome,
    SalesPlan,
    levels_of,
    plan_sales,
)

_Processor = Callable[[Any], Any]
# Every statement stays far below SQLite's 32,766 bound parameters: at most 16 a row.
ROWS_PER_STATEMENT = 1_000


def _marks(n: int, width: int = 1) -> str:
    one = "(" + ", ".join("?" * width) + ")" if width > 1 else "?"
    return ", ".join([one] * n)


class _Rows:
    """A table's rows as ``INSERT ... VALUES (...), (...)`` with their values converted."""

    def __init__(self, table: Table, dialect: Dialect, skip: frozenset[str] = frozenset()) -> None:
        self.columns = [c.name for c in table.columns if c.name not in skip]
        self._processors: list[_Processor | None] = [
            c.type._cached_bind_processor(dialect) for c in table.columns if c.name not in skip
        ]
        self._head = f"INSERT INTO {table.name} ({', '.join(self.columns)}) VALUES "

    def insert(self, cursor: Any, found: Sequence[dict[str, Any]]) -> None:
        width = len(self.columns)
        for at in range(0, len(found), ROWS_PER_STATEMENT):
            chunk = found[at : at + ROWS_PER_STATEMENT]
            values: list[Any] = []
            for row in chunk:
                for name, process in zip(self.columns, self._processors, strict=True):
                    value = row[name]
                    values.append(value if process is None or value is None else process(value))
            cursor.execute(self._head + _marks(len(chunk), width), values)


class SqliteSaleBatch:
    def __init__(self, dialect: Dialect) -> None:
        self._sales = _Rows(pos_sales, dialect)
        self._lines = _Rows(pos_sale_lines, dialect)
        self._moves = _Rows(stock_moves, dialect, skip=frozenset({"id"}))

    def record(
        self,
        conn: Connection,
        sales: Sequence[PosSale],
        stored_sales: Callable[[Connection, Sequence[str]], dict[tuple[str, str], PosSale]],
    ) -> list[Outcome]:
        """``stored_sales``: the record's sales by id, read the ordinary way (rare: replays)."""
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            codes = sorted({s.store_code for s in sales})
            marks = _marks(len(codes))
            cursor.execute(
                f"UPDATE stores SET last_receipt = last_receipt WHERE code IN ({marks})"
                " RETURNING code, last_receipt",
                codes,
            )
            last_receipts = {code: int(top) for code, top in cursor.fetchall()}
            keys = sorted({(s.store_code, s.idempotency_key) for s in sales})
            cursor.execute(
                f"WITH w(store_code, idempotency_key) AS (VALUES {_marks(len(keys), 2)})"
                " SELECT p.id FROM w CROSS JOIN pos_sales AS p"
                " ON p.store_code = w.store_code AND p.idempotency_key = w.idempotency_key",
                [v for key in keys for v in key],
            )
            twin_ids = [found for (found,) in cursor.fetchall()]
            stored = stored_sales(conn, twin_ids) if twin_ids else {}
            levels = levels_of(sales)
            cursor.execute(
                f"WITH w(location, sku) AS (VALUES {_marks(len(levels), 2)})"
                " SELECT l.location, l.sku, l.on_hand - l.allocated - l.committed"
                " FROM w CROSS JOIN stock_levels AS l ON l.location = w.location AND l.sku = w.sku",
                [v for level in levels for v in level],
            )
            free: dict[Level, int] = {(loc, sku): int(n) for loc, sku, n in cursor.fetchall()}
            plan = plan_sales(sales, last_receipts, free, stored)
            if plan.new:
                self._write(cursor, plan)
            return plan.outcomes
        finally:
            cursor.close()

    def _write(self, cursor: Any, plan: SalesPlan) -> None:
        counters = sorted(plan.last_receipts.items())
        cursor.execute(
            f"WITH v(code, top) AS (VALUES {_marks(len(counters), 2)})"
            " UPDATE stores SET last_receipt = (SELECT top FROM v WHERE v.code = stores.code)"
            " WHERE code IN (SELECT code FROM v) RETURNING code",
            [v for counter in counters for v in counter],
        )
        moved = len(cursor.fetchall())
        taken = sorted(plan.taken.items())
        units = "(SELECT n FROM v WHERE v.location = l.location AND v.sku = l.sku)"
        cursor.execute(
            f"WITH v(location, sku, n) AS (VALUES {_marks(len(taken), 3)})"
            f" UPDATE stock_levels AS l SET on_hand = on_hand - {units}"
            " WHERE (location, sku) IN (SELECT location, sku FROM v)"
            f" AND on_hand - allocated - committed >= {units} RETURNING sku",
            [v for (loc, sku), n in taken for v in (loc, sku, n)],
        )
        decremented = len(cursor.fetchall())
        if moved != len(counters) or decremented != len(taken):
            raise LocksDidNotHold(
                f"{moved} of {len(counters)} receipt counters, {decremented} of {len(taken)} levels"
            )
        self._sales.insert(cursor, [rows.sale_row(s) for s in plan.new])
        self._lines.insert(cursor, [r for s in plan.new for r in rows.line_rows(s)])
        self._moves.insert(
            cursor, [inventory_rows.move_row(m) for s in plan.new for m in sale_moves(s)]
        )
