"""Two writers on one SQLite file, as a shop's server and its point of sale's server are: each
transaction reads, then writes what it read, and neither fails nor writes over the other."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import Connection, text

from flashsale.platform.sql.sqlite_writer import SqliteWriter

ROUNDS = 150


def next_number(conn: Connection) -> int:
    # Read, then write from what was read: a deferred transaction would fail (SQLITE_BUSY)
    # here whenever the other writer committed between the two.
    last = conn.execute(text("SELECT coalesce(max(n), 0) FROM numbers")).scalar_one()
    conn.execute(text("INSERT INTO numbers (n) VALUES (:n)"), {"n": last + 1})
    return int(last) + 1


async def test_two_writers_of_one_file_take_turns(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    first, second = SqliteWriter(url, "FULL"), SqliteWriter(url, "FULL")
    try:
        await first.transaction(
            lambda conn: conn.execute(text("CREATE TABLE numbers (n INTEGER PRIMARY KEY)"))
        )

        async def write(writer: SqliteWriter) -> list[int]:
            return [await writer.transaction(next_number) for _ in range(ROUNDS)]

        taken = await asyncio.gather(write(first), write(second))
        counted = await first.transaction(
            lambda conn: conn.execute(text("SELECT count(*), max(n) FROM numbers")).one()
        )
    finally:
        first.close()
        second.close()
    assert sorted(taken[0] + taken[1]) == list(range(1, 2 * ROUNDS + 1))
    assert tuple(counted) == (2 * ROUNDS, 2 * ROUNDS)
