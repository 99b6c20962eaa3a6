"""Revision 0008 on a database that has rows already: its markets read as UTC, its addresses
load without country or region, on SQLite and PostgreSQL; and it goes down again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from flashsale.platform.sql.engine import create_engine
from flashsale.platform.sql.migrate import alembic_config, upgrade_database
from flashsale.record.sql_store import SqlStore
from tests.conftest import sqlite_url
from tests.contract.conftest import create_database, drop_database
from tests.contract.record_world import T0, order, world
from tests.contract.test_order_repository_contract import HOME


@pytest.fixture
def empty_postgres_url(postgres_server_url: str) -> Iterator[str]:
    url = asyncio.run(create_database(postgres_server_url))
    try:
        yield url
    finally:
        asyncio.run(drop_database(url))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "before.db")
    url: str = request.getfixturevalue("empty_postgres_url")
    return url


def _back_to_0007(connection: Connection) -> None:
    command.downgrade(alembic_config(connection), "0007")


async def test_rows_stored_before_the_revision_load_after_it(database_url: str) -> None:
    await upgrade_database(database_url)
    store = await SqlStore.open(database_url)
    try:
        await world(store)
        await store.insert_orders([order("ord_1", 1)])
        assert await store.set_shipping_address("ord_1", HOME, T0)
    finally:
        await store.close()
    # Down and up again: the rows are now ones the revision found there.
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_back_to_0007)
            columns = await conn.run_sync(
                lambda sync: [c["name"] for c in inspect(sync).get_columns("markets")]
            )
            assert "timezone" not in columns
    finally:
        await engine.dispose()
    await upgrade_database(database_url)

    store = await SqlStore.open(database_url)
    try:
        assert [m.timezone for m in await store.markets()] == ["UTC", "UTC"]
        address = await store.shipping_address("ord_1")
        assert address == HOME and (address.country, address.region) == (None, None)
    finally:
        await store.close()
