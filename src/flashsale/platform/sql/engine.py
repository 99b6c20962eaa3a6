"""The async engine for a database URL, with SQLite set up for durability on every connection."""

from __future__ import annotations

import sqlite3
import time
from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_SYNCHRONOUS_LEVELS = frozenset({"OFF", "NORMAL", "FULL", "EXTRA"})
# Writers queue on SQLite's single write lock; a commit waits this long before failing.
SQLITE_BUSY_TIMEOUT_MS = 30_000
_WAL_SWITCH_ATTEMPTS = 200


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str | URL) -> str | None:
    """The file of a SQLite URL; None for an in-memory database or another engine."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def create_engine(url: str, *, sqlite_synchronous: str = "FULL") -> AsyncEngine:
    # hide_parameters: a database error's message would otherwise quote the statement's
    # parameters (customers' e-mails, password hashes) into every log that prints it.
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)
    synchronous = sqlite_synchronous.upper()
    if synchronous not in SQLITE_SYNCHRONOUS_LEVELS:
        raise ValueError(f"sqlite synchronous must be one of {sorted(SQLITE_SYNCHRONOUS_LEVELS)}")
    engine = create_async_engine(url, hide_parameters=True)
    event.listen(
        engine.sync_engine, "connect", partial(configure_sqlite_connection, synchronous=synchronous)
    )
    return engine


def configure_sqlite_connection(dbapi_connection: Any, _record: Any, *, synchronous: str) -> None:
    # WAL lets readers run beside the one writer; FULL fsyncs the WAL on every commit, so an
    # acknowledged order survives power loss (NORMAL only survives a crash of the process).
    # SQLite leaves foreign keys off unless each connection asks.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    # Only a brand-new file needs the switch (WAL persists), and SQLite does not apply the busy
    # timeout to it: two connections opening a new file at once would see "database is locked".
    # So retry briefly; this blocks only the very first connections to a file.
    for attempt in range(_WAL_SWITCH_ATTEMPTS):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == _WAL_SWITCH_ATTEMPTS - 1:
                raise
            time.sleep(0.01)
