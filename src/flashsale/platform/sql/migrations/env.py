"""Alembic's entry point, run by ``flashsale.platform.sql.migrate`` on a connection it opened.

The caller owns the async engine and hands over a sync-facing connection through
``config.attributes["connection"]`` (Alembic's asyncio "connection sharing" pattern), so no
alembic.ini and no URL handling live here.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from flashsale.record.schema import metadata


def run_migrations_online(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite can alter little in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    shared = context.config.attributes.get("connection")
    if not isinstance(shared, Connection):
        raise RuntimeError(
            "run migrations through flashsale.platform.sql.migrate (or `flashsale db upgrade`),"
            " which passes the connection in config.attributes['connection']"
        )
    run_migrations_online(shared)
