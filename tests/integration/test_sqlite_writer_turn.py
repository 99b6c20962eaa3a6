"""The writers' turn on one SQLite file (``sqlite_turn``): a writer of another process holding
its turn is waited for, one that dies holding it lets go, a writer that wants turn after turn
lets one that waits have the next, and a writer that takes no turn (the sqlite3 shell, a
migration) is still waited for, by SQLite's lock."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import sqlite3
import statistics
import threading
import time
from collections.abc import AsyncIterator
from multiprocessing.context import SpawnProcess
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

from sqlalchemy import Connection, text

from flashsale.platform.sql.sqlite_turn import WriterTurn
from flashsale.platform.sql.sqlite_writer import SqliteWriter

SPAWN = multiprocessing.get_context("spawn")
WAIT = 30  # seconds: a bound on a busy machine, not a figure anything depends on


def hold_turn(database: str, held: Event, release: Event) -> None:
    turn = WriterTurn(database)
    with turn.held():
        held.set()
        release.wait(WAIT)


def take_turns(database: str, turns: Synchronized[int], stop: Event) -> None:
    """Turn after turn, each held 2 ms: a writer whose next batch is always ready."""
    turn = WriterTurn(database)
    while not stop.is_set():
        with turn.held():
            turns.value += 1
            time.sleep(0.002)


def insert(conn: Connection) -> int:
    conn.execute(text("INSERT INTO numbers (n) VALUES (1)"))
    return int(conn.execute(text("SELECT count(*) FROM numbers")).scalar_one())


async def writer_on(tmp_path: Path) -> tuple[SqliteWriter, str]:
    database = str(tmp_path / "shop.db")
    writer = SqliteWriter(f"sqlite+aiosqlite:///{database}", "FULL")
    await writer.transaction(lambda conn: conn.execute(text("CREATE TABLE numbers (n INTEGER)")))
    return writer, database


@contextlib.asynccontextmanager
async def behind_another_process(
    tmp_path: Path,
) -> AsyncIterator[tuple[asyncio.Future[int], SpawnProcess, Event]]:
    """A writer's transaction waiting while another process holds its turn: the transaction,
    that process, and what lets it give the turn back."""
    writer, database = await writer_on(tmp_path)
    held, release = SPAWN.Event(), SPAWN.Event()
    other = SPAWN.Process(target=hold_turn, args=(database, held, release))
    other.start()
    try:
        assert await asyncio.to_thread(held.wait, WAIT)
        write = asyncio.ensure_future(writer.transaction(insert))
        await asyncio.sleep(0.3)
        assert not write.done()  # no transaction began: the other process's turn runs
        yield write, other, release
    finally:
        if other.is_alive():  # a killed one would leave set() waiting for its answer for good
            release.set()
        other.join(WAIT)
        writer.close()


async def test_a_writer_waits_while_another_process_holds_its_turn(tmp_path: Path) -> None:
    async with behind_another_process(tmp_path) as (write, _, release):
        release.set()
        assert await asyncio.wait_for(write, WAIT) == 1


async def test_a_process_killed_holding_its_turn_lets_go(tmp_path: Path) -> None:
    async with behind_another_process(tmp_path) as (write, other, _):
        assert other.pid is not None
        os.kill(other.pid, signal.SIGKILL)
        assert await asyncio.wait_for(write, WAIT) == 1


async def test_a_writer_that_takes_no_turn_is_waited_for(tmp_path: Path) -> None:
    writer, database = await writer_on(tmp_path)
    shell = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    try:
        shell.execute("BEGIN IMMEDIATE")
        shell.execute("INSERT INTO numbers (n) VALUES (2)")
        write = asyncio.ensure_future(writer.transaction(insert))
        await asyncio.sleep(0.3)
        assert not write.done()  # SQLite's lock is the shell's: the writer tries again
        shell.execute("COMMIT")
        assert await asyncio.wait_for(write, WAIT) == 2  # after the shell's row, not over it
    finally:
        shell.close()
        writer.close()


def test_two_turns_of_one_process_exclude_each_other(tmp_path: Path) -> None:
    database = str(tmp_path / "shop.db")
    first, second = WriterTurn(database), WriterTurn(database)
    inside = threading.Event()
    order: list[str] = []
    try:
        with first.held():

            def take_second() -> None:
                with second.held():
                    order.append("second")
                inside.set()

            thread = threading.Thread(target=take_second)
            thread.start()
            assert not inside.wait(0.3)
            order.append("first")
        thread.join(WAIT)
    finally:
        first.close()
        second.close()
    assert order == ["first", "second"]


def test_an_in_memory_database_takes_no_turn() -> None:
    turn = WriterTurn(None)
    with turn.held(), turn.held():  # nothing to wait for: one process alone writes it
        pass
    turn.close()


def test_a_writer_waiting_gets_the_turn_before_a_busy_one_takes_it_again(tmp_path: Path) -> None:
    """Another process takes turn after turn; each of ours comes after one or two of its own,
    not after as many as the kernel's wake-up race would let it take."""
    database = str(tmp_path / "shop.db")
    turns: Synchronized[int] = SPAWN.Value("q", 0)
    stop = SPAWN.Event()
    other = SPAWN.Process(target=take_turns, args=(database, turns, stop))
    other.start()
    mine = WriterTurn(database)
    try:
        deadline = time.monotonic() + WAIT
        while turns.value < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        passed = []
        for _ in range(100):
            before = turns.value
            with mine.held():
                passed.append(turns.value - before)
    finally:
        stop.set()
        other.join(WAIT)
        mine.close()
    # One is the other's turn that began as ours was asked for; a loaded machine may stop this
    # thread between its try and its saying that it waits, and let a few more go by. Without
    # the waiting file, on a loaded machine, runs of 5 to 14 went by.
    assert statistics.median(passed) <= 1 and max(passed) <= 6, passed
