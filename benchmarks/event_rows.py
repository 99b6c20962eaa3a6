"""What the order event rows cost SQLite's group commit, statement by statement.

    python benchmarks/event_rows.py [--fans 100000] [--batch 64] [--batches 1500]
        [--sizes spread|full]

``record_check.py --compare events`` prices the feed on the served purchase path; this one
finds where that price goes. It seeds one record (``purchase_path.seed_sales``), copies it to
two files, and runs the store's own group commit (``SqliteOrderInserter.prepare(...).run``) on
each in its transaction on a writer connection configured as the server's (WAL,
``synchronous=FULL``): the first with the order event rows, the second without, alternating
batch by batch in one thread. It reads the thread's CPU time around each statement and the
commit, and prints µs per order of each, both sides, and their totals.

``--sizes spread`` (the default) draws each batch's size from 1..--batch as a served group
commit meets them; ``full`` makes every batch --batch orders. The count of distinct statement
texts matters: sqlite3 keeps the last 128 it prepared, and an evicted one is prepared again.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from purchase_path import seed_sales
from sqlalchemy import Connection, Engine, create_engine, event

from flashsale.kernel.ids import new_id
from flashsale.kernel.money import Money
from flashsale.orders.adapters.sql_rows import order_row
from flashsale.orders.adapters.sqlite_orders import SqliteOrderInserter
from flashsale.orders.domain.order import Order, OrderStatus
from flashsale.platform.sql.engine import configure_sqlite_connection

SIDES = ("with events", "without")
SQLITE3_STATEMENT_CACHE = 128  # sqlite3.connect's default cached_statements


class TimedCursor:
    """A sqlite3 cursor that adds the thread's CPU time of each statement to ``spent``."""

    def __init__(self, cursor: sqlite3.Cursor, spent: dict[str, float], texts: set[str]) -> None:
        self._cursor, self._spent, self._texts = cursor, spent, texts

    def execute(self, sql: str, values: Sequence[Any] = ()) -> TimedCursor:
        self._texts.add(sql)
        started = time.thread_time()
        self._cursor.execute(sql, values)
        self._spent[_label(sql)] += time.thread_time() - started
        return self

    def executemany(self, sql: str, values: Sequence[Sequence[Any]]) -> TimedCursor:
        self._texts.add(sql)
        started = time.thread_time()
        self._cursor.executemany(sql, values)
        self._spent[_label(sql)] += time.thread_time() - started
        return self

    def fetchall(self) -> list[Any]:
        started = time.thread_time()
        rows = self._cursor.fetchall()
        self._spent["(fetchall)"] += time.thread_time() - started
        return rows

    def close(self) -> None:
        self._cursor.close()


def _label(sql: str) -> str:
    """The statement's kind and table: its text up to the first parenthesis or column list."""
    head = sql.split(" (")[0].split(" FROM ")[0]
    return head if len(head) <= 44 else head[:41] + "..."


def writer_engine(path: Path) -> Engine:
    """A connection as the server's writer opens it (platform/sql/sqlite_writer.py)."""
    engine = create_engine(f"sqlite+pysqlite:///{path}", pool_size=1, max_overflow=0)
    event.listen(engine, "connect", partial(configure_sqlite_connection, synchronous="FULL"))
    return engine


def commit_batch(
    engine: Engine,
    inserter: SqliteOrderInserter,
    batch: list[Order],
    spent: dict[str, float],
    texts: set[str],
) -> int:
    """One group commit as the store runs it; the orders it stored."""
    started = time.thread_time()
    prepared = inserter.prepare(batch, [order_row(o) for o in batch])
    spent["(prepare, caller's thread)"] += time.thread_time() - started
    with engine.begin() as conn:
        driver = conn.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        timed = SimpleNamespace(
            connection=SimpleNamespace(
                driver_connection=SimpleNamespace(
                    cursor=lambda: TimedCursor(driver.cursor(), spent, texts)
                )
            )
        )
        placement = prepared.run(cast(Connection, timed))
        committing = time.thread_time()
    spent["COMMIT"] += time.thread_time() - committing
    return len(placement.stored)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fans", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--batches", type=int, default=1500)
    parser.add_argument("--sizes", choices=["spread", "full"], default="spread")
    args = parser.parse_args()
    if args.batches * args.batch > args.fans:
        parser.error("every order needs a fan of its own: --fans >= --batches x --batch")
    with tempfile.TemporaryDirectory(prefix="flashsale-event-rows-") as tmp:
        seeded = Path(tmp) / "seeded.db"
        print(f"seeding {args.fans:,} registered fans ...", flush=True)
        (sale_id,), _ = asyncio.run(seed_sales(f"sqlite+aiosqlite:///{seeded}", args.fans, 1))
        with sqlite3.connect(seeded) as db:
            fans = [row[0] for row in db.execute("SELECT id FROM customers ORDER BY rowid")]
        engines, inserters = {}, {}
        for n, side in enumerate(SIDES):
            copy = Path(tmp) / f"side-{n}.db"
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{seeded}{suffix}").exists():
                    shutil.copyfile(f"{seeded}{suffix}", f"{copy}{suffix}")
            engines[side] = writer_engine(copy)
            inserters[side] = SqliteOrderInserter(engines[side].dialect)
            inserters[side].with_events = side == SIDES[0]
        spent: dict[str, dict[str, float]] = {side: defaultdict(float) for side in SIDES}
        texts: dict[str, set[str]] = {side: set() for side in SIDES}
        stored = dict.fromkeys(SIDES, 0)
        price = Money.of("999.00", "INR")
        sizes = random.Random(7)
        try:
            for n in range(args.batches):
                size = sizes.randint(1, args.batch) if args.sizes == "spread" else args.batch
                buyers = fans[n * args.batch : n * args.batch + size]
                for side in SIDES if n % 2 == 0 else SIDES[::-1]:
                    now = datetime.now(UTC)
                    batch = [
                        Order(
                            new_id("ord"),
                            sale_id,
                            buyer,
                            "MIBAND2",
                            1,
                            price,
                            OrderStatus.RESERVED,
                            now,
                            now + timedelta(minutes=10),
                        )
                        for buyer in buyers
                    ]
                    stored[side] += commit_batch(
                        engines[side], inserters[side], batch, spent[side], texts[side]
                    )
        finally:
            for engine in engines.values():
                engine.dispose()
    report(args, spent, texts, stored)
    return 0


def report(
    args: argparse.Namespace,
    spent: dict[str, dict[str, float]],
    texts: dict[str, set[str]],
    stored: dict[str, int],
) -> None:
    print(
        f"\n{args.batches:,} batches a side, sizes {args.sizes} (<= {args.batch}), SQLite FULL,"
        " thread CPU µs per order stored"
    )
    with_it, without = SIDES
    labels = sorted(set(spent[with_it]) | set(spent[without]))
    print(f"  {'statement':<46} {with_it:>12} {without:>10}")
    for label in labels:
        per_order = {side: spent[side].get(label, 0.0) / stored[side] * 1e6 for side in SIDES}
        print(f"  {label:<46} {per_order[with_it]:>12.2f} {per_order[without]:>10.2f}")
    total = {side: sum(spent[side].values()) / stored[side] * 1e6 for side in SIDES}
    print(f"  {'total':<46} {total[with_it]:>12.2f} {total[without]:>10.2f}")
    print(f"the event rows: {total[with_it] - total[without]:+.2f} µs per order")
    for side in SIDES:
        print(
            f"distinct statement texts ({side}): {len(texts[side])}"
            f" (sqlite3 keeps {SQLITE3_STATEMENT_CACHE} prepared)"
        )


if __name__ == "__main__":
    raise SystemExit(main())
