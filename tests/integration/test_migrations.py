"""The migrations build the schema the store is written against, on both engines, once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from flashsale.platform.sql.engine import create_engine
from flashsale.platform.sql.migrate import (
    UnknownRevision,
    _with_ancestors,
    alembic_config,
    current_revisions,
    head_revisions,
    pending_revisions,
    upgrade_database,
)
from flashsale.record.schema import metadata
from tests.conftest import sqlite_url
from tests.contract.conftest import create_database, drop_database


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


# What an upgraded database records: every branch's head, but for those another branch depends
# on and so stands for (alembic keeps only the newest of a line of dependencies): the core's,
# and a domain's that a later domain builds on (channels on inventory and fulfilment).
def _recorded(heads: frozenset[str]) -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config(None))
    below = {rev for head in heads for rev in _with_ancestors(script, [head]) if rev != head}
    return heads - below


RECORDED_HEADS = _recorded(head_revisions())


def test_the_core_branch_is_one_line_ending_at_the_newest() -> None:
    # Each branch has one head: the core's, and each domain branch's.
    assert head_revisions() == {
        "0008",
        "catalog_0001",
        "channels_0003",
        "customers_0001",
        "desk_0001",
        "fulfilment_0002",
        "inventory_0001",
        "notifications_0001",
        "orders_0004",
        "payments_0001",
        "pickup_0002",
        "relay_0001",
        "reporting_0001",
        "staff_0001",
        "stores_0002",
        "webhooks_0001",
    }


async def test_upgrade_reaches_head_and_a_second_run_changes_nothing(
    empty_database_url: str,
) -> None:
    assert await current_revisions(empty_database_url) == frozenset()
    assert await pending_revisions(empty_database_url) == {
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
        "0006",
        "0007",
        "0008",
        "catalog_0001",
        "channels_0001",
        "channels_0002",
        "channels_0003",
        "customers_0001",
        "desk_0001",
        "fulfilment_0001",
        "fulfilment_0002",
        "inventory_0001",
        "notifications_0001",
        "orders_0001",
        "orders_0002",
        "orders_0003",
        "orders_0004",
        "payments_0001",
        "pickup_0001",
        "pickup_0002",
        "relay_0001",
        "reporting_0001",
        "staff_0001",
        "stores_0001",
        "stores_0002",
        "webhooks_0001",
    }
    await upgrade_database(empty_database_url)
    assert await current_revisions(empty_database_url) == RECORDED_HEADS
    assert await pending_revisions(empty_database_url) == frozenset()
    schema = await _run(empty_database_url, _schema)
    assert set(schema) == {t.name for t in metadata.sorted_tables} | {"alembic_version"}

    await upgrade_database(empty_database_url)
    assert await current_revisions(empty_database_url) == RECORDED_HEADS
    assert await _run(empty_database_url, _schema) == schema


async def test_migrated_schema_is_the_one_the_store_describes(empty_database_url: str) -> None:
    await upgrade_database(empty_database_url)
    assert await _run(empty_database_url, _differences) == []


async def test_concurrent_upgrades_of_one_database_both_succeed(empty_database_url: str) -> None:
    await asyncio.gather(upgrade_database(empty_database_url), upgrade_database(empty_database_url))
    assert await current_revisions(empty_database_url) == RECORDED_HEADS


# A domain's first revision, as docs/contributing.md tells a new domain to write it.
DOMAIN_BRANCH = """
import sqlalchemy as sa
from alembic import op

revision = "probe_0001"
down_revision = None
branch_labels = ("probe",)
depends_on = "{core_head}"


def upgrade() -> None:
    op.create_table(
        "probe_parcels",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("order_id", sa.String(64), sa.ForeignKey("orders.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("probe_parcels")
"""


async def test_a_domain_branch_is_upgraded_beside_the_core_one(
    empty_database_url: str, tmp_path: Path
) -> None:
    branch = tmp_path / "probe_versions"
    branch.mkdir()
    others = head_revisions()
    core_head = max(head for head in others if head.isdigit())  # domain branches are named
    (branch / "probe_0001_parcels.py").write_text(DOMAIN_BRANCH.format(core_head=core_head))
    assert head_revisions([branch]) == {*others, "probe_0001"}
    await upgrade_database(empty_database_url)  # the core only: the branch is still to come
    assert await pending_revisions(empty_database_url, [branch]) == {"probe_0001"}

    await upgrade_database(empty_database_url, [branch])
    assert await pending_revisions(empty_database_url, [branch]) == frozenset()
    # The database records the branch's head, which depends on the core's, beside the other
    # domains' heads.
    assert await current_revisions(empty_database_url) == {"probe_0001"} | RECORDED_HEADS
    schema = await _run(empty_database_url, _schema)
    assert "probe_parcels" in schema and "orders" in schema
    # Code without that domain cannot tell what the database's revisions build on.
    with pytest.raises(UnknownRevision, match="probe_0001"):
        await pending_revisions(empty_database_url)
