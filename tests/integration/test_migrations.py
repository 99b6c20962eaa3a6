"""The migrations build the schema the store is written against, on both engines, once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from flashsale.platform.sql.engine import create_engine
from flashsale.platform.sql.migrate import current_revision, head_revision, upgrade_database
from flashsale.record.schema import metadata
from tests.contract.conftest import create_database, drop_database, sqlite_url


@pytest.fixture
def empty_postgres_url(postgres_server_url: str) -> Iterator[str]:
    url = asyncio.run(create_database(postgres_server_url))
    try:
        yield url
    finally:
        asyncio.run(drop_database(url))


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "empty.db")
    url: str = request.getfixturevalue("empty_postgres_url")
    return url


async def _run(url: str, work: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(work)
    finally:
        await engine.dispose()


def _schema(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    return {
        table: (
            [c["name"] for c in inspector.get_columns(table)],
            sorted(str(i["name"]) for i in inspector.get_indexes(table)),
        )
        for table in inspector.get_table_names()
    }


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def test_the_revisions_form_one_line_ending_at_the_newest() -> None:
    # One head: two branches would make `db upgrade` refuse to choose.
    assert head_revision() == "0004"


async def test_upgrade_reaches_head_and_a_second_run_changes_nothing(
    empty_database_url: str,
) -> None:
    assert await current_revision(empty_database_url) is None
    await upgrade_database(empty_database_url)
    assert await current_revision(empty_database_url) == head_revision()
    schema = await _run(empty_database_url, _schema)
    assert set(schema) == {t.name for t in metadata.sorted_tables} | {"alembic_version"}

    await upgrade_database(empty_database_url)
    assert await current_revision(empty_database_url) == head_revision()
    assert await _run(empty_database_url, _schema) == schema


async def test_migrated_schema_is_the_one_the_store_describes(empty_database_url: str) -> None:
    await upgrade_database(empty_database_url)
    assert await _run(empty_database_url, _differences) == []


async def test_concurrent_upgrades_of_one_database_both_succeed(empty_database_url: str) -> None:
    await asyncio.gather(upgrade_database(empty_database_url), upgrade_database(empty_database_url))
    assert await current_revision(empty_database_url) == head_revision()
