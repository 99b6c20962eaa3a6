"""``flashsale serve``: the API server, in one process or several."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from flashsale.bootstrap import prepare_database, running_shop
from flashsale.cli.runtime import fail, run
from flashsale.cli.settings import refined, settings_of
from flashsale.config import Settings
from flashsale.serving import ServingError, bind, serving, url_of, uvicorn_options

serve_app = typer.Typer()


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
    if workers > 1:
        refuse_workers(settings, workers)
    if not sweeper and settings.redis_url is None:
        fail(
            "--no-sweeper refused: the in-process stock gate lives in this process alone, so"
            " only this process's own sweeper can put expired units back on sale. Set"
            " --redis-url to share the gate with `flashsale worker` processes.",
            code=2,
        )
    if workers > 1:
        _serve_in_processes(settings, workers, sweeper=sweeper)
    else:
        run(_serve(settings, sweeper=sweeper))


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


def _serve_in_processes(settings: Settings, workers: int, *, sweeper: bool) -> None:
    from flashsale.cli.worker_processes import supervise

    run(prepare_database(settings))  # once here, not in every worker that would fail alike
    generated = settings.admin_token is None
    # Settled once here, so that every worker checks the same session and admin tokens.
    settings = settings.with_generated_secrets()
    try:
        with bind(settings.host, settings.port) as sock:
            token = settings.admin_token.get_secret_value() if settings.admin_token else None
            _announce(Console(), url_of(sock), token if generated else None, sweeper, workers)
            options = uvicorn_options(settings)
            supervise(settings, workers, sock, sweeper=sweeper, **options)
    except ServingError as exc:
        fail(str(exc))


async def _serve(settings: Settings, *, sweeper: bool = True) -> None:
    console = Console()
    generated = settings.admin_token is None
    async with running_shop(settings) as shop:
        shop.sweeper_in_process = sweeper  # before serving: the app's start-up reads it
        async with serving(shop, settings.host, settings.port) as srv:
            _announce(console, srv.url, shop.admin_token if generated else None, sweeper, 1)
            await srv.until_stopped()


def _announce(
    console: Console, url: str, generated_token: str | None, sweeper: bool, workers: int
) -> None:
    processes = f", {workers} worker processes" if workers > 1 else ""
    console.print(f"flashsale serves {url}/api/v1 (Ctrl-C stops{processes})", soft_wrap=True)
    if not sweeper:
        console.print("unpaid reservations are expired by `flashsale worker`", soft_wrap=True)
    if generated_token is not None:
        console.print(f"admin token for this run: {generated_token}", soft_wrap=True)
