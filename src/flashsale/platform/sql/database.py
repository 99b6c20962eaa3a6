"""What every SQL repository shares: the engine, the write transaction, the SQLite writer
thread and the translation of a broken unique or foreign key into ``Conflict``.

Every write is one transaction guarded in SQL (``WHERE status = 'reserved'``, unique keys), so
the database, not this process, decides races: two expiry sweepers, a payment racing its own
expiry, or a replayed batch cannot move a row twice or store it twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any, Self, TypeVar

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from flashsale.kernel.errors import Conflict
from flashsale.platform.sql.engine import create_engine, is_sqlite, sqlite_file
from flashsale.platform.sql.sqlite_batch_process import SqliteBatchProcess
from flashsale.platform.sql.sqlite_reader import SqliteReader
from flashsale.platform.sql.sqlite_writer import SqliteWriter

T = TypeVar("T")
# Keeps an ``IN (...)`` list below every engine's bound-parameter limit (SQLite: 32,766).
IDS_PER_STATEMENT = 10_000


class SqlDatabase:
    """The base of every domain's SQL repository; the record's store composes them over one
    engine (``record/sql_store.py``)."""

    def __init__(self, engine: AsyncEngine, writer: SqliteWriter | None = None) -> None:
        self._engine = engine
        self._writer = writer  # SQLite only: the group commit's one-hop path
        self._reader: SqliteReader | None = None  # SQLite only: the event feed's one-hop reads
        # SQLite in a file only: big batches' transactions, in a process of their own
        self._batch_process: SqliteBatchProcess | None = None
        self._dialect = engine.dialect.name

    @classmethod
    async def open(cls, url: str, *, sqlite_synchronous: str = "FULL") -> Self:
        """Connect to a database that ``migrate.upgrade_database`` has brought to head."""
        engine = create_engine(url, sqlite_synchronous=sqlite_synchronous)
        if not is_sqlite(url):
            return cls(engine)
        database = cls(engine, SqliteWriter(url, sqlite_synchronous))
        database._reader = SqliteReader(url, sqlite_synchronous)
        path = sqlite_file(url)
        if path is not None:
            database._batch_process = SqliteBatchProcess(path, sqlite_synchronous)
        return database

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    def _insert(self, table: Any) -> postgresql.Insert | sqlite.Insert:
        if self._dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    async def _write(self, work: Callable[[Connection], T]) -> T:
        """Run one write transaction. On SQLite it runs start to finish on the writer thread:
        through aiosqlite every statement is a round trip via the event loop, and under a burst
        a transaction held SQLite's one write lock across those trips past the busy timeout
        ("database is locked", measured with 200,000 simulated fans)."""
        if self._writer is not None:
            return await self._writer.transaction(work)
        async with self._engine.begin() as conn:
            return await conn.run_sync(work)

    async def close(self) -> None:
        if self._batch_process is not None:
            await asyncio.to_thread(self._batch_process.close)
        if self._writer is not None:
            await asyncio.to_thread(self._writer.close)
        if self._reader is not None:
            await asyncio.to_thread(self._reader.close)
        await self._engine.dispose()


@contextlib.contextmanager
def conflict(detail: str) -> Iterator[None]:
    """A broken unique or foreign key, raised as ``Conflict`` with ``detail`` and the cause."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(f"{detail} ({exc.orig})") from exc
    except sqlite3.IntegrityError as exc:  # from the raw cursor of the SQLite group commit
        raise Conflict(f"{detail} ({exc})") from exc
