"""The ``store`` fixture: every Store implementation, each behind the same contract.

SQLite stores are copies of one migrated file; PostgreSQL uses one migrated database per test
module, emptied before each test, because creating a database costs more than the test.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from flashsale.lab.devtools.postgres_instance import admin_statement
from flashsale.platform.sql.migrate import upgrade_database
from flashsale.record.memory_store import MemoryStore
from flashsale.record.schema import metadata
from flashsale.record.sql_store import SqlStore
from flashsale.record.store import Store
from flashsale.sales.ports import StockGate
from tests.conftest import sqlite_url

MEMORY = "memory://"


async def create_database(server_url: str, template: str = "template1") -> str:
    """Create a database with a random name on the server, a copy of ``template`` (by default
    empty); returns its URL."""
    name = f"flashsale_test_{uuid.uuid4().hex[:12]}"
    await admin_statement(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(database_url: str) -> None:
    url = make_url(database_url)
    assert url.database is not None and url.database.startswith("flashsale_test_")
    await admin_statement(database_url, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


# Per server: one database migrated once in this test process, copied for every test that
# needs a migrated one (a copy takes a fraction of running every branch's migrations again).
_MIGRATED_TEMPLATES: dict[str, str] = {}


async def create_migrated_database(server_url: str) -> str:
    """A new database on the server, at the head of every migration branch; returns its URL."""
    template = _MIGRATED_TEMPLATES.get(server_url)
    if template is None:
        template_url = await create_database(server_url)
        try:
            await upgrade_database(template_url)
        except BaseException:
            await drop_database(template_url)
            raise
        template = make_url(template_url).database
        assert template is not None
        _MIGRATED_TEMPLATES[server_url] = template
        atexit.register(asyncio.run, drop_database(template_url))
    return await create_database(server_url, template)


@contextlib.contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new, migrated database, dropped afterwards; for code outside an event loop."""
    url = asyncio.run(create_migrated_database(server_url))
    try:
        yield url
    finally:
        asyncio.run(drop_database(url))


@contextlib.asynccontextmanager
async def migrated_postgres_database(server_url: str) -> AsyncIterator[str]:
    """The same, on the running event loop."""
    url = await create_migrated_database(server_url)
    try:
        yield url
    finally:
        await drop_database(url)


@pytest.fixture(scope="module")
def migrated_postgres_url(postgres_server_url: str) -> Iterator[str]:
    with fresh_postgres_database(postgres_server_url) as url:
        yield url


def database_url_of(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database for one test: a copy of the SQLite template, or the module's
    PostgreSQL database (empty it with ``empty_tables`` first)."""
    if kind == "sqlite":
        path = tmp_path / "flashsale.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite_file"), path)
        return sqlite_url(path)
    url: str = request.getfixturevalue("migrated_postgres_url")
    return url


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return MEMORY
    return database_url_of(request.param, request, tmp_path)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    if store_url == MEMORY:
        yield MemoryStore()
        return
    sql_store = await SqlStore.open(store_url)
    if sql_store.engine.dialect.name == "postgresql":
        await empty_tables(sql_store.engine)
    try:
        yield sql_store
    finally:
        await sql_store.close()


async def empty_tables(engine: AsyncEngine) -> None:
    """Every table emptied, in one round trip. DELETE, children first, rather than TRUNCATE:
    TRUNCATE gives each of the 60-odd tables and their indexes new files, 0.5-0.8 s a test
    against 2-3 ms for deleting the few rows a test leaves (tests/contract/conftest.py is used
    before some 500 PostgreSQL tests)."""
    deletes = " ".join(f"DELETE FROM {table.name};" for table in reversed(metadata.sorted_tables))
    async with engine.begin() as conn:
        await conn.execute(text(f"DO $$ BEGIN {deletes} END $$"))


# Stock gates: every adapter of the StockGate contract (see test_stock_gate_contract.py).
GATE_ADAPTERS = ["local", "redis", "redis-bucketed", "cluster", "cluster-bucketed"]
CONTRACT_BUCKETS = 3


async def open_contract_gate(kind: str, request: pytest.FixtureRequest) -> tuple[StockGate, str]:
    """A Redis gate of the given kind and the URL it uses ("redis..." kinds of GATE_ADAPTERS).

    Bucketed kinds spread each sale over 3 buckets; cluster kinds run on the 3-master cluster
    the session starts.
    """
    from flashsale.sales.adapters.redis_gate import RedisStockGate

    fixture = "redis_cluster_url" if kind.startswith("cluster") else "redis_server_url"
    url: str = request.getfixturevalue(fixture)
    buckets = CONTRACT_BUCKETS if kind.endswith("bucketed") else 1
    return await RedisStockGate.connect(url, buckets=buckets), url
