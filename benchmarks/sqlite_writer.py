"""The SQLite writer's own cost a transaction: ``SqliteWriter`` (its one connection held open in
its thread) against a pooled connection checked out and in around every transaction (the
baseline, as ``engine.begin()`` does), the same one-row INSERT, in the same run.

    python benchmarks/sqlite_writer.py [--transactions 3000] [--blocks 7]

CPU time of this process a transaction (every thread), the least of ``--blocks`` blocks for
each, alternating; synchronous=OFF so that the disk's fsync does not drown the difference.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, create_engine, event, text

from flashsale.platform.sql.engine import configure_sqlite_connection
from flashsale.platform.sql.sqlite_writer import SqliteWriter

Transaction = Callable[[Callable[[Connection], None]], object]


def insert(conn: Connection) -> None:
    conn.execute(text("INSERT INTO t (n) VALUES (1)"))


async def block(run: Transaction, transactions: int) -> float:
    started = time.process_time()
    for _ in range(transactions):
        await run(insert)  # type: ignore[misc]
    return (time.process_time() - started) / transactions * 1e6


async def main_async(args: argparse.Namespace) -> None:
    path = Path(tempfile.mkdtemp()) / "writer.db"
    writer = SqliteWriter(f"sqlite+aiosqlite:///{path}", "OFF")
    await writer.transaction(lambda conn: conn.execute(text("CREATE TABLE t (n INTEGER)")))
    pooled = create_engine(f"sqlite:///{path}", pool_size=1, max_overflow=0)

    def configure(dbapi_connection: object, record: object) -> None:
        configure_sqlite_connection(dbapi_connection, record, synchronous="OFF")

    event.listen(pooled, "connect", configure)
    loop = asyncio.get_running_loop()

    async def baseline(work: Callable[[Connection], None]) -> None:
        def run() -> None:
            with pooled.begin() as conn:
                work(conn)

        await loop.run_in_executor(None, run)

    figures: dict[str, list[float]] = {"pooled (baseline)": [], "SqliteWriter": []}
    for _ in range(args.blocks):
        figures["pooled (baseline)"].append(await block(baseline, args.transactions))
        figures["SqliteWriter"].append(await block(writer.transaction, args.transactions))
    writer.close()
    pooled.dispose()
    best = {name: min(values) for name, values in figures.items()}
    for name, values in figures.items():
        print(f"{name:<18} {best[name]:6.1f} µs CPU a transaction (least of {len(values)})")
    ratio = best["pooled (baseline)"] / best["SqliteWriter"]
    print(f"SqliteWriter is {ratio:.2f}x the baseline's speed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=3000)
    parser.add_argument("--blocks", type=int, default=7)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
