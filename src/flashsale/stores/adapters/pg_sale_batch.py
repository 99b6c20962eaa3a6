"""The POS group commit on PostgreSQL: four round trips a batch, whatever its size.

    BEGIN
    one statement: lock the batch's stores (code order) and levels ((location, SKU) order),
                   read their counters and free units, and the batch's keys already stored
    (``plan_sales`` decides each sale in memory)
    one statement: the counters, the guarded decrements, the sales, their lines and their moves
    COMMIT

On 2 shared cores every round trip costs the API process a socket write and a wake-up (~200 µs
of CPU measured under load, more than the statements themselves), and SQLAlchemy's execution
context costs ~100 µs more per statement: the batch written statement by statement took ~14
round trips and ~2.6 ms of client CPU. So, as the orders' group commit (``orders/adapters/
pg_orders.py``), the statements go straight to the asyncpg connection, on a pool of their own
that does not ping on checkout; their text never changes, so asyncpg prepares each once per
connection. The rows travel as JSON, each value made by its column's bind processor, and the
server reads them with ``jsonb_populate_recordset`` as rows of the table's own type.

Both statements are single snapshots: a key stored by another process while this one waited for
the store's lock is not seen by the read, and its insert then fails the batch on the unique key
(the repository retries each sale alone, and then finds it). The locks return the rows' latest
versions, so the counters and free units read are the ones this transaction changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, cast

import asyncpg
import orjson
from sqlalchemy import RowMapping, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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

_MOVE_COLUMNS = [c.name for c in stock_moves.columns if c.name != "id"]

_READ = """
WITH s AS (
    SELECT code, last_receipt FROM stores WHERE code = ANY($1::text[])
    ORDER BY code FOR UPDATE
), l AS (
    SELECT lv.location, lv.sku, lv.on_hand - lv.allocated - lv.committed AS free
    FROM stock_levels lv
    JOIN unnest($2::text[], $3::text[]) AS w(location, sku)
      ON lv.location = w.location AND lv.sku = w.sku
    ORDER BY lv.location, lv.sku FOR UPDATE OF lv
), k AS (
    SELECT p.id FROM pos_sales p
    JOIN unnest($4::text[], $5::text[]) AS w(store_code, idempotency_key)
      ON p.store_code = w.store_code AND p.idempotency_key = w.idempotency_key
)
SELECT 's' AS kind, code AS a, NULL AS b, last_receipt AS n FROM s
UNION ALL SELECT 'l', location, sku, free FROM l
UNION ALL SELECT 'k', id, NULL, NULL FROM k
"""

_TWINS = "SELECT * FROM pos_sales WHERE id = ANY($1::text[])"
_TWIN_LINES = "SELECT * FROM pos_sale_lines WHERE sale_id = ANY($1::text[])"


def _insert(table: Table, columns: Sequence[str], param: int) -> str:
    names = ", ".join(columns)
    return (
        f"INSERT INTO {table.name} ({names}) SELECT {names}"
        f" FROM jsonb_populate_recordset(NULL::{table.name}, ${param}::jsonb) RETURNING 1"
    )


_WRITE = f"""
WITH c AS (
    UPDATE stores s SET last_receipt = v.top
    FROM unnest($1::text[], $2::int[]) AS v(code, top)
    WHERE s.code = v.code
    RETURNING 1
), l AS (
    UPDATE stock_levels lv SET on_hand = lv.on_hand - v.n
    FROM unnest($3::text[], $4::text[], $5::int[]) AS v(location, sku, n)
    WHERE lv.location = v.location AND lv.sku = v.sku
      AND lv.on_hand - lv.allocated - lv.committed >= v.n
    RETURNING 1
), p AS ({_insert(pos_sales, [c.name for c in pos_sales.columns], 6)}
), pl AS ({_insert(pos_sale_lines, [c.name for c in pos_sale_lines.columns], 7)}
), m AS ({_insert(stock_moves, _MOVE_COLUMNS, 8)}
)
SELECT (SELECT count(*) FROM c) AS counters, (SELECT count(*) FROM l) AS levels
"""

_Processor = Callable[[Any], Any]


class _Rows:
    """A table's rows as the JSON array ``jsonb_populate_recordset`` reads."""

    def __init__(self, table: Table, dialect: Dialect) -> None:
        self._processed: list[tuple[str, _Processor]] = [
            (column.name, processor)
            for column in table.columns
            if (processor := column.type._cached_bind_processor(dialect)) is not None
        ]

    def json(self, found: Sequence[dict[str, Any]]) -> str:
        out = []
        for row in found:
            row = dict(row)
            for name, process in self._processed:
                if row.get(name) is not None:
                    row[name] = process(row[name])
            out.append(row)
        return orjson.dumps(out, default=_exact).decode()


class PostgresSaleBatch:
    def __init__(self, dialect: Dialect) -> None:
        self._sales = _Rows(pos_sales, dialect)
        self._lines = _Rows(pos_sale_lines, dialect)
        self._moves = _Rows(stock_moves, dialect)

    async def record(self, engine: AsyncEngine, sales: Sequence[PosSale]) -> list[Outcome]:
        async with engine.connect() as conn:
            driver = await _open_driver(conn)
            try:
                async with driver.transaction():
                    return await self._record(driver, sales)
            # Raised as SQLAlchemy raises them, so callers handle one family of errors.
            except asyncpg.IntegrityConstraintViolationError as exc:
                raise IntegrityError("POS sales batch", None, exc) from exc
            except asyncpg.PostgresError as exc:
                raise DBAPIError("POS sales batch", None, exc) from exc
            except (OSError, asyncpg.InterfaceError) as exc:
                await conn.invalidate()
                raise OperationalError("POS sales batch", None, exc) from exc

    async def _record(self, driver: asyncpg.Connection, sales: Sequence[PosSale]) -> list[Outcome]:
        levels = levels_of(sales)
        keys = sorted({(s.store_code, s.idempotency_key) for s in sales})
        found = await driver.fetch(
            _READ,
            sorted({s.store_code for s in sales}),
            [loc for loc, _ in levels],
            [sku for _, sku in levels],
            [code for code, _ in keys],
            [key for _, key in keys],
        )
        last_receipts: dict[str, int] = {}
        free: dict[Level, int] = {}
        twin_ids: list[str] = []
        for kind, a, b, n in found:
            if kind == "s":
                last_receipts[a] = int(n)
            elif kind == "l":
                free[a, b] = int(n)
            else:
                twin_ids.append(a)
        stored = await _twins(driver, twin_ids) if twin_ids else {}
        plan = plan_sales(sales, last_receipts, free, stored)
        if plan.new:
            await self._write(driver, plan)
        return plan.outcomes

    async def _write(self, driver: asyncpg.Connection, plan: SalesPlan) -> None:
        counters = sorted(plan.last_receipts.items())
        taken = sorted(plan.taken.items())
        moved, decremented = await driver.fetchrow(
            _WRITE,
            [code for code, _ in counters],
            [top for _, top in counters],
            [loc for (loc, _), _ in taken],
            [sku for (_, sku), _ in taken],
            [n for _, n in taken],
            self._sales.json([rows.sale_row(s) for s in plan.new]),
            self._lines.json([r for s in plan.new for r in rows.line_rows(s)]),
            self._moves.json([inventory_rows.move_row(m) for s in plan.new for m in sale_moves(s)]),
        )
        if moved != len(counters) or decremented != len(taken):
            raise LocksDidNotHold(
                f"{moved} of {len(counters)} receipt counters, {decremented} of {len(taken)} levels"
            )


async def _twins(driver: asyncpg.Connection, ids: list[str]) -> dict[tuple[str, str], PosSale]:
    lines: dict[str, list[RowMapping]] = {sale_id: [] for sale_id in ids}
    for line in await driver.fetch(_TWIN_LINES, ids):
        lines[line["sale_id"]].append(cast(RowMapping, line))
    out = {}
    for row in await driver.fetch(_TWINS, ids):
        sale = rows.sale_of(cast(RowMapping, row), lines[row["id"]])
        out[sale.store_code, sale.idempotency_key] = sale
    return out


async def _open_driver(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection of ``conn``, replaced once if the server has closed it."""
    for _ in range(2):
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        if not driver.is_closed():
            return cast(asyncpg.Connection, driver)
        await conn.invalidate()  # a restarted server closed it: the pool connects anew
    raise OperationalError("connect", None, ConnectionError("no open connection to the server"))


def _exact(value: Any) -> str:
    # An amount goes as its decimal string: a JSON number could pass through a binary float.
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a value of a POS sale's rows")
