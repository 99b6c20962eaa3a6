"""``flashsale simulate``: rehearse a record day and write down what happened.

``simulate_commands`` joins the main app; ``simulate_app`` runs it alone (tests, ``python -c``),
reading settings from the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import aiohttp
import typer
from rich.console import Console

from flashsale.cli.runtime import fail, run
from flashsale.cli.settings import build_settings
from flashsale.config import Settings
from flashsale.lab.crowd.loopback import require_loopback
from flashsale.lab.crowd.simulation import CrowdError
from flashsale.lab.rehearsal.admin import AdminError
from flashsale.lab.rehearsal.html import write_html
from flashsale.lab.rehearsal.report import write_report
from flashsale.lab.rehearsal.run import Rehearsal, crowd_plan
from flashsale.lab.rehearsal.scenario import SCENARIOS, Scenario, chosen
from flashsale.lab.rehearsal.summary import show
from flashsale.lab.rehearsal.targets import rehearse_in_process, rehearse_remote
from flashsale.lab.service_day import ServiceDay, ServiceDayError, simulate_service_day
from flashsale.sales.ports import StockGate
from flashsale.terminal import paragraphs

# Up to this many fans the crowd runs in the simulator's own event loop (beside the in-process
# server): starting a client process costs more than it saves.
IN_PROCESS_CROWD_MAX = 2_000


def simulate(
    ctx: typer.Context,
    scenario: Annotated[
        str, typer.Option(help=f"Named preset: {', '.join(sorted(SCENARIOS))}, service-day.")
    ] = "mi-band-india",
    scale: Annotated[
        float | None,
        typer.Option(
            min=0.000001,
            help="Fans and stock of the preset times this (fan-festival: 0.001 unless given).",
        ),
    ] = None,
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
    arrival: Annotated[
        str | None,
        typer.Option(
            help="When the fans click: surge (most at the opening, a long tail), steady, or"
            " recorded (with --arrival-file)."
        ),
    ] = None,
    arrival_seconds: Annotated[
        float | None,
        typer.Option(min=0, help="surge: mean delay of the tail; steady: the spread, seconds."),
    ] = None,
    arrival_file: Annotated[
        Path | None,
        typer.Option(
            help="A recorded arrival curve: seconds after the opening, one per line (CSV: the"
            " first column); resampled to the crowd. Implies --arrival recorded."
        ),
    ] = None,
    think: Annotated[
        float | None,
        typer.Option(min=0, help="Mean seconds a fan looks at its reservation before paying."),
    ] = None,
    abusive_share: Annotated[
        float | None,
        typer.Option(
            min=0, max=1, help="Share of clients that hammer the endpoint, ignoring Retry-After."
        ),
    ] = None,
    sales: Annotated[
        int | None, typer.Option(min=1, help="Sales back to back; stock and fans split.")
    ] = None,
    sale_gap: Annotated[
        float | None, typer.Option(min=0, help="Seconds between the openings of the sales.")
    ] = None,
    clients: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Client processes for the crowd (0: in this process). Default: 0 up to"
            f" {IN_PROCESS_CROWD_MAX:,} fans, else 1.",
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed of the crowd's behaviour.")] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write the findings to this JSON file.")
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            help="Write a self-contained HTML report with charts here, and the charts as PNGs"
            " in <name>-charts/ beside it."
        ),
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
    contacts: Annotated[
        int | None, typer.Option(min=1, help="service-day: contacts over the day (1,000,000).")
    ] = None,
    agents: Annotated[int | None, typer.Option(min=1, help="service-day: agents (1,800).")] = None,
    self_service: Annotated[
        float | None, typer.Option(min=0, max=1, help="service-day: share self-served (0.6).")
    ] = None,
) -> None:
    """Rehearse a record day: a simulated crowd against a flash sale, measured and checked.

    Prints the sell-out time, purchases per second, latency percentiles per call, how the fans
    fared, whether the early clickers got the units, the crowd's own checks (every 201 stored,
    nobody over the limit, no unit sold twice, paid once) and the server's audit of every
    sale; says when the client processes were the bottleneck. Writes JSON (--report) and a
    self-contained HTML page with charts plus PNGs (--html). Exits 1 when any check fails.
    """
    settings = ctx.find_object(Settings) or build_settings()
    if scenario == "service-day":  # the service desk's day: a rehearsal of its own
        try:
            day = ServiceDay.of(contacts, agents, self_service, seed)
        except ServiceDayError as exc:
            fail(str(exc), code=2)
        raise typer.Exit(run(simulate_service_day(settings, day, Console())))
    if arrival_file is not None and arrival is None:
        arrival = "recorded"
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
            arrival=arrival,
            arrival_seconds=arrival_seconds,
            arrival_file=None if arrival_file is None else str(arrival_file),
            think_seconds=think,
            abusive_share=abusive_share,
            sales=sales,
            sale_gap_seconds=sale_gap,
        )
        if url is not None:
            require_loopback(url)
        crowd_plan(plan)  # reads a recorded curve now: a bad file is a bad option
    except ValueError as exc:  # ScenarioError, ArrivalError, or a URL off this machine
        fail(str(exc), code=2)
    code = execute(
        settings,
        plan,
        Console(),
        report_path=report,
        html_path=html,
        url=url,
        admin_token=admin_token,
        clients=default_clients(plan) if clients is None else clients,
    )
    raise typer.Exit(code)


def default_clients(scenario: Scenario) -> int:
    """Small crowds share the simulator's loop; big ones get a process of their own."""
    return 0 if scenario.fans <= IN_PROCESS_CROWD_MAX else 1


def execute(
    settings: Settings,
    scenario: Scenario,
    console: Console,
    *,
    report_path: Path | None = None,
    html_path: Path | None = None,
    url: str | None = None,
    admin_token: str | None = None,
    gate: StockGate | None = None,
    clients: int = 0,
) -> int:
    """Rehearse, show, write the reports; 0 when every check and the audit passed, else 1.

    ``gate`` replaces the in-process stock gate: how a test proves a broken one is caught.
    """
    rehearsal = run(_rehearse(settings, scenario, console, url, admin_token, gate, clients))
    show(console, rehearsal)
    if report_path is not None:
        write_report(rehearsal.report, report_path)
        console.print(f"Report written to {report_path}", soft_wrap=True, highlight=False)
    if html_path is not None:
        written = write_html(rehearsal.report, html_path)
        console.print(
            f"HTML report written to {html_path}, charts: "
            + ", ".join(str(path) for path in written[1:]),
            soft_wrap=True,
            highlight=False,
        )
    return 0 if rehearsal.report.ok else 1


async def _rehearse(
    settings: Settings,
    scenario: Scenario,
    console: Console,
    url: str | None,
    token: str | None,
    gate: StockGate | None,
    clients: int,
) -> Rehearsal:
    try:
        if url is None:
            return await rehearse_in_process(
                settings, scenario, console, clients=clients, gate=gate
            )
        return await _rehearse_remote(settings, scenario, console, url, token, clients)
    except CrowdError as exc:
        fail(str(exc))


async def _rehearse_remote(
    settings: Settings,
    scenario: Scenario,
    console: Console,
    url: str,
    token: str | None,
    clients: int,
) -> Rehearsal:
    token = token or (settings.admin_token.get_secret_value() if settings.admin_token else None)
    if token is None:
        fail("--url needs the server's --admin-token (or FLASHSALE_ADMIN_TOKEN)", code=2)
    try:
        return await rehearse_remote(url, token, scenario, console, clients=clients)
    except AdminError as exc:
        fail(str(exc))
    except aiohttp.ClientError as exc:
        fail(f"cannot reach {url}: {exc}")


simulate_commands = typer.Typer()
simulate_commands.command("simulate", help=paragraphs(simulate.__doc__))(simulate)

simulate_app = typer.Typer(
    name="simulate", add_completion=False, pretty_exceptions_enable=False, rich_markup_mode="rich"
)
simulate_app.command(help=paragraphs(simulate.__doc__))(simulate)
