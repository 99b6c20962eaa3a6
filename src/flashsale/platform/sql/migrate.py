"""Run the Alembic migrations from code: ``flashsale db upgrade`` and the tests call these.

The Alembic config is built here, pointing into the installed package, so that a wheel needs
no alembic.ini and no working directory.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from flashsale.platform.sql.engine import create_engine, is_sqlite

SCRIPT_LOCATION = "flashsale.platform.sql:migrations"
# Any constant will do: it only has to be the same for every process that migrates.
_PG_MIGRATION_LOCK = 0x666C617368


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade_database(url: str) -> None:
    """Bring the database at ``url`` to the newest revision; a no-op when it is there already."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            # Two processes starting at once would both try to create the tables: the second
            # waits for the first and then finds the database at head.
            if is_sqlite(url):
                # The driver would run DDL outside any transaction; taking the write lock up
                # front also makes the whole upgrade atomic.
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            await conn.run_sync(_upgrade)
    finally:
        await engine.dispose()


async def current_revision(url: str) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_current)
    finally:
        await engine.dispose()


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
