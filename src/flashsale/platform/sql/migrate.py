"""Run the Alembic migrations from code: ``flashsale db upgrade`` and the tests call these.

The Alembic config is built here, pointing into the installed package, so that a wheel needs
no alembic.ini and no working directory.

One tree of revisions, with a branch per domain: the core branch (``0001``…) holds the tables
of catalog, customers, sales, orders and the waiting room; a domain added later starts its own
branch (``branch_labels``, ``down_revision = None``, ``depends_on`` the core revision it builds
on), so domains never queue behind each other's revisions. Upgrading goes to every head.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from flashsale.platform.sql.engine import create_engine, is_sqlite

SCRIPT_LOCATION = "flashsale.platform.sql:migrations"


class UnknownRevision(RuntimeError):
    """The database was migrated by code that has revisions this code has not."""


# Any constant will do: it only has to be the same for every process that migrates.
_PG_MIGRATION_LOCK = 0x666C617368


def alembic_config(
    connection: Connection | None = None, version_locations: Sequence[Path] = ()
) -> Config:
    """``version_locations``: folders of revisions beside the package's own (a test's branch)."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if version_locations:
        own = Path(str(files("flashsale.platform.sql") / "migrations" / "versions"))
        folders = [own, *version_locations]
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", os.pathsep.join(str(f) for f in folders))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revisions(version_locations: Sequence[Path] = ()) -> frozenset[str]:
    """The newest revision of every branch: what an upgraded database is at."""
    return frozenset(
        ScriptDirectory.from_config(alembic_config(None, version_locations)).get_heads()
    )


async def upgrade_database(url: str, version_locations: Sequence[Path] = ()) -> None:
    """Bring the database at ``url`` to the newest revision of every branch; a no-op when it is
    there already."""
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
            await conn.run_sync(_upgrade, version_locations)
    finally:
        await engine.dispose()


async def pending_revisions(url: str, version_locations: Sequence[Path] = ()) -> frozenset[str]:
    """The revisions an upgrade would apply to the database at ``url``; empty when it is
    up to date on every branch.

    Raises UnknownRevision when the database is at a revision this code does not have (newer
    code migrated it): what it builds on cannot be known, so nothing can be said.
    """
    script = ScriptDirectory.from_config(alembic_config(None, version_locations))
    current = await current_revisions(url)
    unknown = sorted(r for r in current if r not in _all_revisions(script))
    if unknown:
        raise UnknownRevision(f"the database is at revision {', '.join(unknown)}, unknown here")
    applied = _with_ancestors(script, current)
    return frozenset(_with_ancestors(script, script.get_heads()) - applied)


async def current_revisions(url: str) -> frozenset[str]:
    """The revisions the database is at, one per branch; empty for a database never migrated."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_current)
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, version_locations: Sequence[Path]) -> None:
    command.upgrade(alembic_config(connection, version_locations), "heads")


def _current(connection: Connection) -> frozenset[str]:
    return frozenset(MigrationContext.configure(connection).get_current_heads())


def _all_revisions(script: ScriptDirectory) -> set[str]:
    return {found.revision for found in script.walk_revisions()}


def _with_ancestors(script: ScriptDirectory, revisions: Iterable[str]) -> set[str]:
    """These revisions and every revision they build on, along both ``down_revision`` and
    ``depends_on`` (the database records only the newest revision of each line)."""
    seen: set[str] = set()
    stack = list(revisions)
    while stack:
        found = script.get_revision(stack.pop())
        if found is None or found.revision in seen:
            continue
        seen.add(found.revision)
        for parents in (found.down_revision, found.dependencies):
            if parents:
                stack.extend([parents] if isinstance(parents, str) else parents)
    return seen
