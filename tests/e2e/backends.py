"""The e2e ``shop`` on every record: in memory, SQLite and PostgreSQL.

A module takes both fixtures in place of conftest's ``shop`` with ``shop = backends.shop`` and
``postgres_url = backends.postgres_url``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from flashsale.bootstrap import MEMORY_DATABASE_URL, Shop
from flashsale.kernel.clock import ManualClock
from flashsale.platform.sql.engine import create_engine
from tests.contract.conftest import create_migrated_database, drop_database, empty_tables
from tests.e2e.conftest import shop_with_markets, sqlite_database

T = TypeVar("T")


def _in_thread(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    # Asked for from inside a test's event loop, where asyncio.run cannot run.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(work())).result()


@pytest.fixture(scope="module")
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """One migrated database for the module, emptied before each test (creating one is slow)."""
    url = _in_thread(lambda: create_migrated_database(postgres_server_url))
    try:
        yield url
    finally:
        _in_thread(lambda: drop_database(url))


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def shop(
    request: pytest.FixtureRequest, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Shop]:
    """tests/e2e/conftest.py's shop, on PostgreSQL too."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        engine = create_engine(url)
        try:
            await empty_tables(engine)
        finally:
            await engine.dispose()
    elif request.param == "sqlite":
        url = await sqlite_database(tmp_path)
    else:
        url = MEMORY_DATABASE_URL
    async with shop_with_markets(url, clock) as shop:
        yield shop
