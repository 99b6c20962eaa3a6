"""The writers' turn on one SQLite file (``sqlite_turn``): a writer of another process holding
its turn is waited for, one that dies holding it lets go, a writer that wants turn after turn
lets one that waits have the next, and a writer that takes no turn (the sqlite3 shell, a
migration) is still waited for, by SQLite's lock."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from multiprocessing.context import SpawnProcess
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

from sqlalchemy import Connection, text

from flashsale.platform.file_leadership import lock_path
from flashsale.platform.sql.sqlite_turn import WAITING, WriterTurn
from flashsale.platform.sql.sqlite_writer import SqliteWriter

SPAWN = multiprocessing.get_context("spawn")
WAIT = 30  # seconds: a bound on a busy machine, not a figure anything depends on


def hold_turn(database: str, held: Event, release: Event) -> None:
    turn = WriterTurn(database)
    with turn.held():
        held.set()
        release.wait(WAIT)


def hold_then_take_again(
    database: str, held: Event, release: Event, again: Synchronized[int]
) -> None:
    """Holds its turn until told to let go, then asks for the next at once: a writer whose next
    transaction is ready the moment its commit returns."""
    turn = WriterTurn(database)
    with turn.held():
        held.set()
        release.wait(WAIT)
    with turn.held():
        again.value = 1


def someone_waits(database: str) -> bool:
    """A writer has said that it waits for its turn (it holds the waiting file shared)."""
    path = lock_path(Path(database).resolve(), WAITING)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # lets go of the lock, if it was taken
    return False


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
        # Reaped before the context's end asks whether it lives: its lock goes with its files,
        # a moment before it is a zombie, and set() on an Event it died waiting on never returns.
        await asyncio.to_thread(other.join, WAIT)
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


def test_a_writer_waiting_has_the_turn_before_its_holder_takes_it_again(tmp_path: Path) -> None:
    """The holder lets go and asks again at once, as the shop's writer does in a storm; the
    kernel wakes the waiter, but the holder, already running, would win the free lock before
    the waiter runs (14 turns in a row, once, on a loaded machine). The waiter has said that
    it waits, so the holder steps back: the waiter's turn comes first."""
    database = str(tmp_path / "shop.db")
    held, release = SPAWN.Event(), SPAWN.Event()
    again: Synchronized[int] = SPAWN.Value("i", 0)
    other = SPAWN.Process(target=hold_then_take_again, args=(database, held, release, again))
    other.start()
    mine = WriterTurn(database)
    seen: list[int] = []

    def wait_for_turn() -> None:
        with mine.held():
            seen.append(again.value)

    waiting = threading.Thread(target=wait_for_turn)
    try:
        assert held.wait(WAIT)
        waiting.start()
        deadline = time.monotonic() + WAIT
        while not someone_waits(database):
            assert time.monotonic() < deadline, "the thread never said that it waits"
            time.sleep(0.005)
        release.set()
        waiting.join(WAIT)
    finally:
        release.set()
        other.join(WAIT)
        mine.close()
    assert seen == [0]  # ours came before the holder's next turn
