"""``flashsale db``: the database's tables.

``db seed`` (the demo's story) is added by cli/demo.py, the command line's door to the lab.
"""

from __future__ import annotations

import typer
from rich.console import Console

from flashsale.bootstrap import upgrade_database
from flashsale.cli.runtime import fail, run
from flashsale.cli.settings import settings_of

db_app = typer.Typer(
    name="db", help="The database: create or upgrade its tables.", no_args_is_help=True
)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create the tables, or bring them to the newest revision (safe to repeat)."""
    settings = settings_of(ctx)
    if settings.database_url.startswith("memory:"):
        fail("the memory store has no tables to upgrade", code=2)
    run(upgrade_database(settings))
    Console().print(f"database at the newest revision: {_shown(settings.database_url)}")


def _shown(url: str) -> str:
    """The URL without its password, if it has one."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
