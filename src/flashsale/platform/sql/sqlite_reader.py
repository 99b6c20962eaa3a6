"""SQLite's hot reads in one thread hop: a whole read (several statements and the building of
their results) per call, on a connection of its own.

Readers that go through the order event feed page by page (webhooks, the relay, order mail,
fulfilment, reporting) fetch hundreds of thousands of rows a second. Through aiosqlite each
statement and fetch is a round trip to its thread and back, and the rows cost twice SQLite's
own fetch before a single one is built (measured: benchmarks/webhooks.py, the feed read). Here
the read runs start to finish in one dedicated thread on the standard library's sqlite3, beside
the writer's thread: SQLite in WAL mode lets readers and its one writer work at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy.engine import make_url

from flashsale.platform.sql.engine import configure_sqlite_connection

T = TypeVar("T")


class SqliteReader:
    def __init__(self, async_url: str, synchronous: str) -> None:
        database = make_url(async_url).database
        assert database, "a SQLite file: an in-memory database is private to its connection"
        self._database = database
        self._synchronous = synchronous
        self._connection: sqlite3.Connection | None = None  # opened and used on the thread only
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flashsale-reader")

    async def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the reader's connection, inside one read transaction: every
        statement it makes sees the same snapshot of the database."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._run, work)

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._connection is None:
            self._connection = sqlite3.connect(self._database, isolation_level=None)
            configure_sqlite_connection(self._connection, None, synchronous=self._synchronous)
        connection = self._connection
        connection.execute("BEGIN")
        try:
            return work(connection)
        finally:
            connection.execute("ROLLBACK")

    def close(self) -> None:
        self._thread.submit(self._disconnect).result()
        self._thread.shutdown(wait=True)

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
