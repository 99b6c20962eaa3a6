"""``flashsale simulate``: rehearse a record day and write down what happened.

Register it on the main app with ``app.command("simulate")(simulate)``; ``simulate_app`` runs
it alone (tests, ``python -c``), reading settings from the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import aiohttp
import typer
from rich.console import Console

from flashsale.config import Settings
from flashsale.crowd.loopback import require_loopback
from flashsale.entrypoints.cli_runtime import fail, run
from flashsale.entrypoints.cli_settings import build_settings
from flashsale.ports import StockGate
from flashsale.rehearsal.admin import AdminError
from flashsale.rehearsal.report import write_report
from flashsale.rehearsal.run import Rehearsal
from flashsale.rehearsal.scenario import SCENARIOS, Scenario, chosen
from flashsale.rehearsal.summary import show
from flashsale.rehearsal.targets import rehearse_in_process, rehearse_remote


def simulate(
    ctx: typer.Context,
    scenario: Annotated[
        str, typer.Option(help=f"Named preset: {', '.join(sorted(SCENARIOS))}.")
    ] = "mi-band-india",
    scale: Annotated[
        float, typer.Option(min=0.0001, help="Fans and stock of the preset times this.")
    ] = 1.0,
    fans: Annotated[int | None, typer.Option(min=1, help="Fans in the crowd.")] = None,
    stock: Annotated[int | None, typer.Option(min=1, help="Units on sale.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Units per customer at most.")] = None,
    opens_in: Annotated[
        float | None,
        typer.Option(help="Seconds from creating the sale to its opening; the fans register."),
    ] = None,
    payment_window: Annotated[
        float | None, typer.Option(help="Seconds to pay before a reservation goes back on sale.")
    ] = None,
    abandon_share: Annotated[
        float | None, typer.Option(min=0, max=1, help="Share of buyers who never pay.")
    ] = None,
    retry_share: Annotated[
        float | None,
        typer.Option(
            min=0,
            max=1,
            help="Share of the fans who find it sold out and come back once, after the"
            " payment window, for the units given back.",
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed of the crowd's behaviour.")] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write the findings to this JSON file.")
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            help="A running server on this machine (http://127.0.0.1:PORT); without it the"
            " embedded default runs in this process, on a throw-away SQLite file."
        ),
    ] = None,
    admin_token: Annotated[
        str | None,
        typer.Option(help="The admin token of the server at --url. \\[env: FLASHSALE_ADMIN_TOKEN]"),
    ] = None,
) -> None:
    """Rehearse a record day: a simulated crowd against a flash sale, measured and checked.

    Prints the sell-out time, purchases per second, latency percentiles per call, how the fans
    fared, the crowd's own checks (every 201 stored, nobody over the limit, no unit sold
    twice, paid once) and the server's audit of the sale. Exits 1 when any of them fails.
    """
    settings = ctx.find_object(Settings) or build_settings()
    try:
        plan = chosen(
            scenario,
            scale,
            over_http=url is not None,
            fans=fans,
            stock=stock,
            limit=limit,
            opens_in_seconds=opens_in,
            payment_window_seconds=payment_window,
            abandon_share=abandon_share,
            retry_share=retry_share,
            seed=seed,
        )
        if url is not None:
            require_loopback(url)
    except ValueError as exc:  # ScenarioError, or a URL that leaves this machine
        fail(str(exc), code=2)
    code = execute(settings, plan, Console(), report_path=report, url=url, admin_token=admin_token)
    raise typer.Exit(code)


def execute(
    settings: Settings,
    scenario: Scenario,
    console: Console,
    *,
    report_path: Path | None = None,
    url: str | None = None,
    admin_token: str | None = None,
    gate: StockGate | None = None,
) -> int:
    """Rehearse, show, write the report; 0 when every check and the audit passed, else 1.

    ``gate`` replaces the in-process stock gate: how a test proves a broken one is caught.
    """
    rehearsal = run(_rehearse(settings, scenario, console, url, admin_token, gate))
    show(console, rehearsal)
    if report_path is not None:
        write_report(rehearsal.report, report_path)
        console.print(f"Report written to {report_path}", soft_wrap=True, highlight=False)
    return 0 if rehearsal.report.ok else 1


async def _rehearse(
    settings: Settings,
    scenario: Scenario,
    console: Console,
    url: str | None,
    token: str | None,
    gate: StockGate | None,
) -> Rehearsal:
    if url is None:
        return await rehearse_in_process(settings, scenario, console, gate=gate)
    token = token or (settings.admin_token.get_secret_value() if settings.admin_token else None)
    if token is None:
        fail("--url needs the server's --admin-token (or FLASHSALE_ADMIN_TOKEN)", code=2)
    try:
        return await rehearse_remote(url, token, scenario, console)
    except AdminError as exc:
        fail(str(exc))
    except aiohttp.ClientError as exc:
        fail(f"cannot reach {url}: {exc}")


simulate_app = typer.Typer(
    name="simulate", add_completion=False, pretty_exceptions_enable=False, rich_markup_mode="rich"
)
simulate_app.command()(simulate)
