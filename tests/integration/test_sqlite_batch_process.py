"""SQLite's batch process (platform/sql/sqlite_batch_process.py): a transaction runs whole in
the child and commits, or rolls back whole with its error raised here; and the child does not
outlive the process that started it."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from flashsale.platform.sql.sqlite_batch_process import SqliteBatchProcess

PROJECT = Path(__file__).resolve().parents[2]


def insert(db: sqlite3.Connection, rows: list[int]) -> int:
    return db.executemany("INSERT INTO t (n) VALUES (?)", [(n,) for n in rows]).rowcount


def insert_then_fail(db: sqlite3.Connection, rows: list[int]) -> int:
    insert(db, rows)
    raise ValueError(f"after {len(rows)} rows")


def in_transaction(db: sqlite3.Connection, _: None) -> bool:
    return db.in_transaction


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "batch.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    return path


async def test_a_transaction_commits_whole_or_rolls_back_with_its_error(database: Path) -> None:
    process = SqliteBatchProcess(str(database), "FULL")
    try:
        assert await process.transaction(in_transaction, None) is True
        assert await process.transaction(insert, [1, 2, 3]) == 3
        with pytest.raises(ValueError, match="after 2 rows"):
            await process.transaction(insert_then_fail, [4, 5])
        with pytest.raises(sqlite3.IntegrityError):  # 3 is there: the whole batch goes
            await process.transaction(insert, [6, 3])
        assert await process.transaction(insert, [7]) == 1  # the connection is usable after
    finally:
        await asyncio.to_thread(process.close)
    with sqlite3.connect(database) as db:
        assert [n for (n,) in db.execute("SELECT n FROM t ORDER BY n")] == [1, 2, 3, 7]


PARENT = """
import asyncio, os, sys
from flashsale.platform.sql.sqlite_batch_process import SqliteBatchProcess
from tests.integration.test_sqlite_batch_process import insert

async def main():
    process = SqliteBatchProcess(sys.argv[1], "FULL")
    await process.transaction(insert, [1])
    (child,) = process._pool._processes  # the started pool's one worker
    print(child, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status  # exited, waiting to be reaped by whoever adopted it


async def test_the_process_exits_when_the_process_that_started_it_is_killed(
    database: Path,
) -> None:
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PARENT, str(database), stdout=asyncio.subprocess.PIPE, cwd=PROJECT
    )
    assert parent.stdout is not None
    line = await asyncio.wait_for(parent.stdout.readline(), timeout=60)
    child = int(line)
    try:
        assert not _gone(child)
        os.kill(parent.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not _gone(child) and time.monotonic() < deadline:  # noqa: ASYNC110 (a process)
            await asyncio.sleep(0.05)
        assert _gone(child)
    finally:
        if not _gone(child):
            os.kill(child, signal.SIGKILL)  # it holds the parent's stdout: wait() would hang
        await asyncio.wait_for(parent.wait(), timeout=30)
