"""The ``flashsale`` command: serve the shop, manage its database and sales, run the demo.

Each module's Typer brings its commands (a nameless one) or its group (a named one), and each
command opens a shop and reads only the services its module's Protocol names: a new group is
one more line in ``COMMANDS``.
"""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from flashsale.cli.channel import channel_app
from flashsale.cli.db import db_app
from flashsale.cli.demo import demo_app
from flashsale.cli.desk import desk_app
from flashsale.cli.fulfilment import fulfil_app, location_app, stock_app
from flashsale.cli.fulfilment_ops import return_app
from flashsale.cli.gate import gate_app
from flashsale.cli.mail import mail_app
from flashsale.cli.relay import relay_app
from flashsale.cli.reporting import fx_app, report_app, target_app
from flashsale.cli.sale import sale_app
from flashsale.cli.serve import serve_app
from flashsale.cli.settings import build_settings
from flashsale.cli.simulate import simulate_commands
from flashsale.cli.staff import staff_app
from flashsale.cli.store import pos_app, store_app
from flashsale.cli.webhook import webhook_app
from flashsale.cli.worker import worker_app

COMMANDS: list[typer.Typer] = [
    serve_app,
    demo_app,
    simulate_commands,
    worker_app,
    relay_app,
    db_app,
    channel_app,
    sale_app,
    gate_app,
    staff_app,
    mail_app,
    webhook_app,
    report_app,
    target_app,
    fx_app,
    location_app,
    stock_app,
    fulfil_app,
    return_app,
    desk_app,
    store_app,
    pos_app,
]

app = typer.Typer(
    name="flashsale",
    help=(
        "Flash-sale commerce: no unit sold twice, every acknowledged order durable,"
        " unpaid reservations back on sale.\n\n"
        "Every setting is also read from a FLASHSALE_* variable of the same name"
        " (FLASHSALE_DATABASE_URL, ...); an option given here wins.\n\n"
        "Try [bold]flashsale demo[/bold]: 10,000 Mi Bands sold out in 22 seconds in India"
        " in May 2015; watch it happen on this machine."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    add_completion=False,
    pretty_exceptions_enable=False,
)
for commands in COMMANDS:
    app.add_typer(commands)


@app.callback()
def configure(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL. Default: the embedded sqlite+aiosqlite:///./flashsale.db"
            " \\[env: FLASHSALE_DATABASE_URL]",
            show_default=False,
        ),
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(help="Redis for the shared stock gate. \\[env: FLASHSALE_REDIS_URL]"),
    ] = None,
    admin_token: Annotated[
        str | None,
        typer.Option(
            help="Bearer token of the admin API; generated per run in development."
            " \\[env: FLASHSALE_ADMIN_TOKEN]"
        ),
    ] = None,
    secret_key: Annotated[
        str | None,
        typer.Option(
            help="Signs session tokens; generated per run in development."
            " \\[env: FLASHSALE_SECRET_KEY]"
        ),
    ] = None,
    environment: Annotated[
        Literal["development", "production"] | None,
        typer.Option(
            help="production refuses to start without the admin token and secret key."
            " \\[env: FLASHSALE_ENVIRONMENT]"
        ),
    ] = None,
    sqlite_synchronous: Annotated[
        Literal["FULL", "NORMAL"] | None,
        typer.Option(
            help="FULL survives power loss; NORMAL only a crash of the process."
            " \\[env: FLASHSALE_SQLITE_SYNCHRONOUS]"
        ),
    ] = None,
) -> None:
    ctx.obj = build_settings(
        database_url=database_url,
        redis_url=redis_url,
        admin_token=admin_token,
        secret_key=secret_key,
        environment=environment,
        sqlite_synchronous=sqlite_synchronous,
    )


def main() -> None:
    app()
