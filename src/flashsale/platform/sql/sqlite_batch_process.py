"""SQLite's big write transactions in a process of their own.

A batch of 10,000 fulfilment orders binds about 200,000 parameters and makes the rows' Python
values; on the writer's thread of the serving process that work takes turns at the GIL with
the event loop (deciding the next batch) and the feed's reader, and after every statement the
writer waits for the GIL back (profiled: a fifth of its time). In a process of its own it runs
on the other core, and this process only pickles plain values to it.

The process is started at the first transaction it is given (a few hundred milliseconds: it
imports the module of the work) and is one more writer of the file, like the point of sale's
own server: each transaction waits for its turn (``sqlite_turn``), begins IMMEDIATE
(``sqlite_writer.begin_immediate``), and commits or rolls back whole before the answer comes
back. If this process dies, the child exits at once (it watches its parent): a transaction it
was running is never committed, and SQLite leaves it out whole.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from flashsale.platform.sql.engine import configure_sqlite_connection
from flashsale.platform.sql.sqlite_turn import WriterTurn
from flashsale.platform.sql.sqlite_writer import begin_immediate, wait_only_to_begin

A = TypeVar("A")
T = TypeVar("T")

_connection: sqlite3.Connection | None = None  # in the child: its one connection
_turn: WriterTurn | None = None  # in the child: its turn among the file's writers


class SqliteBatchProcess:
    def __init__(self, path: str, synchronous: str) -> None:
        self._path = path
        self._synchronous = synchronous
        self._pool: ProcessPoolExecutor | None = None

    async def transaction(self, work: Callable[[sqlite3.Connection, A], T], arg: A) -> T:
        """``work(connection, arg)`` in one committed transaction in the child; a raised error
        rolls it all back and is raised here. ``work`` is a module's function and ``arg``
        plain values: both cross to the child by pickle."""
        if self._pool is None:
            # Spawned, not forked: a fork would copy this process's threads' held locks.
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_connect,
                initargs=(self._path, self._synchronous),
            )
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, _run, work, arg)
        except BrokenProcessPool:
            if self._pool is pool:  # the next transaction starts a new process
                self._pool = None
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _connect(path: str, synchronous: str) -> None:
    global _connection, _turn
    # Ctrl-C reaches the whole process group: the serving process decides when to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:  # the pool's worker would otherwise wait for work forever
        threading.Thread(target=_exit_with, args=(parent,), name="parent", daemon=True).start()
    _connection = sqlite3.connect(path, isolation_level=None)
    configure_sqlite_connection(_connection, None, synchronous=synchronous)
    wait_only_to_begin(_connection)
    _turn = WriterTurn(path)


def _exit_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os._exit(0)


def _run(work: Callable[[sqlite3.Connection, A], T], arg: A) -> T:
    db, turn = _connection, _turn
    assert db is not None and turn is not None
    with turn.held():
        begin_immediate(db)
        try:
            result = work(db, arg)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    return result
