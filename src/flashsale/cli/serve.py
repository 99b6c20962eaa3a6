"""``flashsale serve``: the API server, in one process or several."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.engine import make_url

from flashsale.bootstrap import MEMORY_DATABASE_URL, prepare_database, running_shop
from flashsale.cli.runtime import fail, run
from flashsale.cli.settings import refined, settings_of
from flashsale.config import Settings
from flashsale.serving import ServingError, bind, serving, url_of, uvicorn_options

serve_app = typer.Typer()


class Part(StrEnum):
    pos = "pos"


@serve_app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on. \\[env: FLASHSALE_HOST]")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port; 0 picks a free one. \\[env: FLASHSALE_PORT]")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes sharing the port. Above 1 needs the shared engines"
            " (--redis-url, a PostgreSQL --database-url); each process builds its own shop.",
        ),
    ] = 1,
    database_url: Annotated[
        str | None, typer.Option(help="Overrides the global --database-url.")
    ] = None,
    redis_url: Annotated[str | None, typer.Option(help="Overrides the global --redis-url.")] = None,
    admin_token: Annotated[
        str | None, typer.Option(help="Overrides the global --admin-token.")
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Load balancers whose X-Forwarded-For names the client (addresses, networks,"
            " or *); unset: none. \\[env: FLASHSALE_FORWARDED_ALLOW_IPS]"
        ),
    ] = None,
    sweeper: Annotated[
        bool,
        typer.Option(
            "--sweeper/--no-sweeper",
            help="Expire unpaid reservations in this process (in each of --workers; several"
            " sweepers are safe). --no-sweeper (Redis gate only) leaves it to `flashsale"
            " worker` processes.",
        ),
    ] = True,
    only: Annotated[
        Part | None,
        typer.Option(
            help="Serve one part of the shop: `pos`, the point of sale alone (the tills' and"
            " clerks' /api/v1/pos/*, the staff log-in and the /pos page) with no background"
            " work, beside the shop's other servers on the same database (a SQLite file too), so"
            " that the stores' sales do not share the storefront's processes.",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (and /metrics, /openapi.json) until Ctrl-C."""
    settings = refined(
        settings_of(ctx),
        host=host,
        port=port,
        database_url=database_url,
        redis_url=redis_url,
        admin_token=admin_token,
        forwarded_allow_ips=forwarded_allow_ips,
    )
    point_of_sale_only = only is Part.pos
    if point_of_sale_only:
        refuse_point_of_sale_only(settings, workers)
    elif workers > 1:
        refuse_workers(settings, workers)
    if not sweeper and settings.redis_url is None and not point_of_sale_only:
        fail(
            "--no-sweeper refused: the in-process stock gate lives in this process alone, so"
            " only this process's own sweeper can put expired units back on sale. Set"
            " --redis-url to share the gate with `flashsale worker` processes.",
            code=2,
        )
    if workers > 1:
        _serve_in_processes(
            settings, workers, sweeper=sweeper, point_of_sale_only=point_of_sale_only
        )
    else:
        run(_serve(settings, sweeper=sweeper, point_of_sale_only=point_of_sale_only))


def refuse_point_of_sale_only(settings: Settings, workers: int) -> None:
    """The point of sale's own servers share the shop's record: a file or a server, not memory."""
    if not shares_record(settings.database_url):
        fail(
            "--only pos refused: an in-memory record lives in one process, so a server of the"
            " point of sale alone would sell from a shop of its own. Point --database-url at"
            " the shop's SQLite file or PostgreSQL.",
            code=2,
        )
    if workers > 1 and not settings.database_url.startswith("postgresql"):
        fail(
            f"--only pos --workers {workers} refused: several processes beside the shop's own"
            " on one SQLite file would queue on its one write lock. Use --workers 1, or point"
            " at PostgreSQL.",
            code=2,
        )


def refuse_workers(settings: Settings, workers: int) -> None:
    """Several processes need a gate and a record they all share; refuse anything else."""
    if settings.redis_url is None:
        where = "the embedded SQLite default" if settings.is_sqlite else "the in-process gate"
        fail(
            f"--workers {workers} refused: {where} runs one process, which owns the in-process"
            " stock gate; a second process would sell the same units again. Use --workers 1,"
            " or set --redis-url for the shared gate.",
            code=2,
        )
    if not settings.database_url.startswith("postgresql"):
        fail(
            f"--workers {workers} refused: several processes share one record, which needs"
            " a PostgreSQL --database-url (the memory store lives in one process, and the"
            " SQLite file has one writer). Use --workers 1, or point at PostgreSQL.",
            code=2,
        )


def shares_record(database_url: str) -> bool:
    """Whether other processes can open this record: a server, or a SQLite file."""
    if database_url == MEMORY_DATABASE_URL:
        return False
    url = make_url(database_url)
    return url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:")


def _serve_in_processes(
    settings: Settings, workers: int, *, sweeper: bool, point_of_sale_only: bool
) -> None:
    from flashsale.cli.worker_processes import supervise

    run(prepare_database(settings))  # once here, not in every worker that would fail alike
    generated = settings.admin_token is None
    # Settled once here, so that every worker checks the same session and admin tokens.
    settings = settings.with_generated_secrets()
    try:
        with bind(settings.host, settings.port) as sock:
            token = settings.admin_token.get_secret_value() if settings.admin_token else None
            _announce(
                Console(),
                url_of(sock),
                token if generated else None,
                sweeper,
                workers,
                point_of_sale_only,
            )
            options = uvicorn_options(settings)
            supervise(
                settings,
                workers,
                sock,
                sweeper=sweeper,
                point_of_sale_only=point_of_sale_only,
                **options,
            )
    except ServingError as exc:
        fail(str(exc))


async def _serve(
    settings: Settings, *, sweeper: bool = True, point_of_sale_only: bool = False
) -> None:
    console = Console()
    generated = settings.admin_token is None
    async with running_shop(settings) as shop:
        # Before serving: the app's start-up reads them.
        shop.sweeper_in_process = sweeper
        shop.point_of_sale_only = point_of_sale_only
        async with serving(shop, settings.host, settings.port) as srv:
            token = shop.admin_token if generated else None
            _announce(console, srv.url, token, sweeper, 1, point_of_sale_only)
            await srv.until_stopped()


def _announce(
    console: Console,
    url: str,
    generated_token: str | None,
    sweeper: bool,
    workers: int,
    point_of_sale_only: bool = False,
) -> None:
    processes = f", {workers} worker processes" if workers > 1 else ""
    what = "the point of sale alone: " if point_of_sale_only else ""
    console.print(f"flashsale serves {what}{url}/api/v1 (Ctrl-C stops{processes})", soft_wrap=True)
    if not sweeper and not point_of_sale_only:
        console.print("unpaid reservations are expired by `flashsale worker`", soft_wrap=True)
    if generated_token is not None:
        console.print(f"admin token for this run: {generated_token}", soft_wrap=True)
