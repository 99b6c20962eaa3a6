"""SQLite's group commit in one thread hop: a whole write transaction per call.

Through aiosqlite every DBAPI step (begin, execute, fetch, commit, close) is its own round
trip to aiosqlite's thread, and each trip back waits for a turn of a busy event loop. Under a
flash-sale burst that made a 32-order commit take ~16 ms where SQLite itself needs ~0.5 ms
(measured: benchmarks/purchase_path.py, commit histogram in /metrics). Here the transaction
runs start to finish in one dedicated thread, on SQLAlchemy's synchronous engine over the
standard library's sqlite3, which releases the GIL while SQLite works and fsyncs. One thread
also matches SQLite's single writer.

Each transaction begins IMMEDIATE, taking the file's write lock before its first read, once
the writer holds its turn among the processes writing the same file (the point of sale's own
server, the batch process; ``sqlite_turn``). A deferred transaction that read first would
instead fail at once on its first write once another process had committed (SQLITE_BUSY,
which no timeout retries).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from flashsale.platform.sql.engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    configure_sqlite_connection,
    sqlite_file,
)
from flashsale.platform.sql.sqlite_turn import WriterTurn

T = TypeVar("T")
_FIRST_PAUSE, _LONGEST_PAUSE = 0.0002, 0.002  # seconds between tries for the write lock


class SqliteWriter:
    def __init__(self, async_url: str, synchronous: str) -> None:
        url = make_url(async_url).set(drivername="sqlite+pysqlite")
        self._engine: Engine = create_engine(url, pool_size=1, max_overflow=0, hide_parameters=True)
        event.listen(
            self._engine, "connect", partial(configure_sqlite_connection, synchronous=synchronous)
        )
        event.listen(self._engine, "connect", _begin_explicitly)
        event.listen(self._engine, "connect", wait_only_to_begin)
        event.listen(self._engine, "begin", _begin_immediate)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flashsale-writer")
        self._turn = WriterTurn(sqlite_file(url))
        # Held open by the writer's thread: a pool's checkout and checkin around every
        # transaction cost as much CPU as a small transaction's statements.
        self._connection: Connection | None = None

    async def transaction(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` inside one committed transaction; a raised error rolls it all back."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._run, work)

    def _run(self, work: Callable[[Connection], T]) -> T:
        conn = self._connection
        if conn is None or conn.closed or conn.invalidated:
            if conn is not None:
                conn.close()
            conn = self._connection = self._engine.connect()
        with self._turn.held(), conn.begin():
            return work(conn)

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        self._thread.submit(self._disconnect).result()
        self._thread.shutdown(wait=True)
        self._engine.dispose()
        self._turn.close()


def _begin_explicitly(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module's own BEGIN is deferred; with none of its own, "begin" below decides.
    dbapi_connection.isolation_level = None


def wait_only_to_begin(dbapi_connection: Any, _record: Any = None) -> None:
    """A writer's connection: it waits for SQLite's lock in ``begin_immediate`` alone; inside
    its transaction, holding the lock, nothing waits."""
    dbapi_connection.execute("PRAGMA busy_timeout=0")


def _begin_immediate(conn: Connection) -> None:
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    begin_immediate(cast(sqlite3.Connection, dbapi))


def begin_immediate(dbapi: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE on a connection whose busy timeout is 0, by a writer holding its turn
    (``sqlite_turn``): one statement, as the lock is free unless a writer that takes no turn
    holds it. That one is waited for in a loop of short sleeps, at most the busy timeout:
    SQLite's own wait sleeps 1, 2, 5, 10, 15, 20, 25 ms … between tries, and against a writer
    that commits every few milliseconds it misses turn after turn (a transaction waited
    50-200 ms)."""
    deadline: float | None = None
    pause = _FIRST_PAUSE
    while True:
        try:
            dbapi.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            now = time.monotonic()
            if deadline is None:
                deadline = now + SQLITE_BUSY_TIMEOUT_MS / 1000
            elif now > deadline:
                raise
        time.sleep(pause)
        pause = min(2 * pause, _LONGEST_PAUSE)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY or "locked" in str(exc)
