"""``flashsale report``, ``flashsale target`` and ``flashsale fx``: the sales reports, targets
and exchange rates from the command line.

Each report first projects whatever the feed holds that the facts do not yet (the server does
so continuously; a command run beside none would otherwise answer from stale facts): the
projector's compare-and-set keeps that exactly once beside a running server.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Protocol, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from flashsale.bootstrap import running_shop
from flashsale.cli.runtime import fail, run_in_shop
from flashsale.cli.settings import settings_of
from flashsale.config import Settings
from flashsale.reporting.domain.export import to_csv
from flashsale.reporting.domain.questions import SalesAnswer
from flashsale.reporting.domain.targets import Progress
from flashsale.reporting.service import parquet_export
from flashsale.reporting.service.reporting import Reporting

report_app = typer.Typer(
    name="report", help="Sales reports: sales, records, growth, sell-outs.", no_args_is_help=True
)
target_app = typer.Typer(name="target", help="Targets: set one, follow them.", no_args_is_help=True)
fx_app = typer.Typer(
    name="fx", help="Exchange rates: import the ECB's history.", no_args_is_help=True
)

T = TypeVar("T")
_PERIOD = "2017, 2017-Q2, 2017-09 or 2017-09-14"
Rehearsals = Annotated[str, typer.Option(help="exclude, include or only rehearsals.")]
Currency = Annotated[
    str | None,
    typer.Option(help="Reporting currency (ISO 4217). \\[env: FLASHSALE_REPORTING_CURRENCY]"),
]
Market = Annotated[str | None, typer.Option(help="Only this market, e.g. IN.")]


class ReportingServices(Protocol):
    @property
    def reporting(self) -> Reporting: ...


def _answer(ctx: typer.Context, ask: Callable[[Reporting], Awaitable[T]]) -> T:
    async def answered(services: ReportingServices) -> T:
        await services.reporting.projector.catch_up()
        return await ask(services.reporting)

    return run_in_shop(settings_of(ctx), answered)


def sales_table(answer: SalesAnswer) -> Table:
    q = answer.question
    dims = [d.value for d in q.by]
    table = Table(title=f"Sales by {q.grain}, {q.first} to {q.last} ({q.rehearsals} rehearsals)")
    for name in ("period", *dims, "orders", "sold", "shipped", "returned", "revenue", q.currency):
        table.add_column(name, justify="left" if name in ("period", *dims) else "right")
    for row in [*answer.rows, answer.total]:
        is_total = row is answer.total
        native = ", ".join(f"{row.revenue_in(c):,} {c}" for c in sorted(row.revenue))
        converted = f"{row.reporting_amount(q.currency):,}" + (
            " [red]incomplete" if row.incomplete else ""
        )
        values = [getattr(row, d) or "" for d in dims]
        table.add_row(
            "[bold]total" if is_total else row.period.name,
            *values,
            f"{row.orders:,}",
            f"{row.units_sold:,}",
            f"{row.units_shipped:,}",
            f"{row.units_returned:,}",
            native,
            converted,
            end_section=row is answer.rows[-1] if answer.rows else False,
        )
    return table


@report_app.command("sales")
def sales(
    ctx: typer.Context,
    grain: Annotated[str, typer.Option(help="day, week, month, quarter or year.")] = "month",
    by: Annotated[str | None, typer.Option(help="market, channel, sku (comma-separated).")] = None,
    first: Annotated[str | None, typer.Option("--from", help=f"A period: {_PERIOD}.")] = None,
    last: Annotated[str | None, typer.Option("--to", help=f"A period: {_PERIOD}.")] = None,
    currency: Currency = None,
    rehearsals: Rehearsals = "exclude",
    market: Market = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Write the rows to this CSV file.")
    ] = None,
    parquet: Annotated[
        Path | None,
        typer.Option("--parquet", help="Write the rows to this Parquet file (needs pyarrow)."),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Sales over time: orders, units, revenue in each currency and in the reporting one."""
    if parquet is not None and not parquet_export.available():
        fail("--parquet needs pyarrow: pip install 'flashsale[reports]'")
    answer = _answer(
        ctx,
        lambda r: r.reports.sales(grain, by, first, last, currency, rehearsals, market, channel),
    )
    if csv is not None:
        csv.write_text(to_csv(answer), encoding="utf-8")
        Console().print(f"wrote {len(answer.rows)} rows to {csv}", highlight=False)
        return
    if parquet is not None:
        parquet.write_bytes(parquet_export.to_parquet(answer))
        Console().print(f"wrote {len(answer.rows)} rows to {parquet}", highlight=False)
        return
    if json:
        from flashsale.http.schemas.reporting import SalesReportOut

        typer.echo(SalesReportOut.of(answer).model_dump_json(indent=2))
        return
    console = Console()
    console.print(sales_table(answer))
    if answer.missing_count:
        shown = ", ".join(f"{m.currency} {m.day}" for m in answer.missing[:10])
        console.print(
            f"[red]no rate within the allowed age for {answer.missing_count}:[/red] {shown}"
        )


@report_app.command("records")
def records(
    ctx: typer.Context,
    metric: Annotated[
        str, typer.Option(help="units_shipped, units_sold or revenue.")
    ] = "units_shipped",
    grain: Annotated[str, typer.Option(help="day, month or quarter.")] = "month",
    market: Market = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    currency: Currency = None,
    rehearsals: Rehearsals = "exclude",
) -> None:
    """The best period ever, the record it broke, and whether the current one is beating it."""
    found = _answer(
        ctx, lambda r: r.reports.records(metric, grain, market, channel, currency, rehearsals)
    )
    console = Console(highlight=False)
    if found.best is None:
        console.print(f"no {metric} recorded yet")
        return
    console.print(
        f"record {grain}: [bold]{found.best.period.name}[/bold] with {found.best.value:,} {metric}"
    )
    if found.previous_record is not None:
        before = found.previous_record
        console.print(f"it broke {before.period.name}'s {before.value:,}")
    verdict = "[green]beating the record" if found.beating else "not beating the record"
    console.print(f"{found.current.period.name} so far: {found.current.value:,}, {verdict}")


@report_app.command("growth")
def growth(
    ctx: typer.Context,
    metric: Annotated[
        str, typer.Option(help="units_shipped, units_sold, revenue, orders.")
    ] = "units_shipped",
    grain: Annotated[str, typer.Option(help="quarter or year.")] = "quarter",
    market: Market = None,
    first: Annotated[str | None, typer.Option("--from", help=f"A period: {_PERIOD}.")] = None,
    last: Annotated[str | None, typer.Option("--to", help=f"A period: {_PERIOD}.")] = None,
    currency: Currency = None,
    rehearsals: Rehearsals = "exclude",
) -> None:
    """Each period beside the one before it (QoQ) and a year before (YoY)."""
    found = _answer(
        ctx, lambda r: r.reports.growth(metric, grain, market, first, last, currency, rehearsals)
    )
    table = Table(title=f"{metric} by {grain}" + (f" in {market.upper()}" if market else ""))
    for name in ("period", metric, "previous", "change %", "a year before", "YoY %"):
        table.add_column(name, justify="left" if name == "period" else "right")
    for g in found:
        table.add_row(
            g.point.period.name,
            f"{g.point.value:,}",
            f"{g.previous.value:,}",
            "-" if g.change_pct is None else f"{g.change_pct:+}",
            f"{g.year_ago.value:,}",
            "-" if g.yoy_pct is None else f"{g.yoy_pct:+}",
        )
    Console().print(table)


@report_app.command("sell-outs")
def sell_outs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    rehearsals: Rehearsals = "exclude",
) -> None:
    """The fastest sell-outs: from the opening to the last unit taken."""
    found = _answer(ctx, lambda r: r.reports.sellouts(limit, rehearsals))
    table = Table(title="Fastest sell-outs")
    for name in ("sale", "market", "SKU", "units", "opened (UTC)", "seconds"):
        table.add_column(name, justify="right" if name in ("units", "seconds") else "left")
    for p in found:
        table.add_row(
            p.sale_id,
            p.market,
            p.sku,
            f"{p.stock_total:,}",
            f"{p.opens_at:%Y-%m-%d %H:%M:%S}",
            f"{p.seconds_to_sell_out:,.1f}",
        )
    Console().print(table)


@report_app.command("rebuild")
def rebuild(ctx: typer.Context) -> None:
    """Replay the whole feed into shadow facts, compare them with the live ones, swap them in.

    Exits 1, listing the keys that differed, when the live facts were not what the feed says.
    """

    async def rebuilt(services: ReportingServices) -> object:
        return await services.reporting.rebuild.run()

    from flashsale.reporting.service.rebuild import Rebuilt

    outcome = run_in_shop(settings_of(ctx), rebuilt)
    assert isinstance(outcome, Rebuilt)
    console = Console(highlight=False)
    console.print(
        f"replayed {outcome.events:,} events into {outcome.facts:,} fact rows", soft_wrap=True
    )
    if outcome.equal:
        console.print(
            "the live facts were equal to the rebuilt ones"
            + (", swapped" if outcome.swapped else "")
        )
        return
    for line in outcome.differences:
        console.print(f"[red]differed:[/red] {line}", soft_wrap=True)
    console.print(f"{len(outcome.differences)} keys differed; the rebuilt facts are live now")
    raise typer.Exit(1)


@report_app.command("seed-history")
def seed_history(ctx: typer.Context) -> None:
    """Demo only: synthesise 2014-2017 from the seeds' published figures, as a rehearsal
    (see them with --rehearsals only; a rebuild drops them, being in no event)."""

    async def seeded(services: ReportingServices) -> int:
        return await services.reporting.reports.seed_history()

    rows = run_in_shop(settings_of(ctx), seeded)
    Console(highlight=False).print(
        f"added {rows:,} rehearsal fact rows (2014-2017): try"
        " `flashsale report growth --rehearsals only --from 2017-Q1 --to 2017-Q4`",
        soft_wrap=True,
    )


@report_app.command("mark-rehearsal")
def mark_rehearsal(
    ctx: typer.Context, sale_id: Annotated[str, typer.Argument(help="The sale's id.")]
) -> None:
    """Keep a sale's orders apart from the real numbers (mark it before it opens)."""

    async def marked(services: ReportingServices) -> bool:
        return await services.reporting.reports.mark_rehearsal(sale_id)

    new = run_in_shop(settings_of(ctx), marked)
    Console(highlight=False).print(f"{sale_id} is {'now' if new else 'already'} a rehearsal")


def progress_table(found: list[Progress]) -> Table:
    table = Table(title="Targets")
    columns = (
        "id",
        "period",
        "scope",
        "metric",
        "target",
        "achieved",
        "%",
        "days left",
        "a day needed",
        "forecast",
        "on track",
    )
    for name in columns:
        table.add_column(name, overflow="fold")
    for p in found:
        t = p.target
        scope = " ".join(x for x in (t.market, t.channel) if x) or "all"
        table.add_row(
            t.id,
            t.period,
            scope,
            t.metric.value,
            f"{t.value:,}",
            f"{p.achieved:,}",
            f"{p.percent}",
            str(p.days_left),
            "-" if p.daily_rate_needed is None else f"{p.daily_rate_needed:,}",
            f"{p.forecast:,} ({p.forecast_method})",
            "[green]yes" if p.on_track else "[red]no",
        )
    return table


@target_app.command("set")
def set_target(
    ctx: typer.Context,
    period: Annotated[str, typer.Argument(help="2018, 2018-Q3 or 2018-09.")],
    value: Annotated[str, typer.Argument(help="The target, e.g. 100000000.")],
    metric: Annotated[
        str, typer.Option(help="units_shipped, units_sold, revenue, orders.")
    ] = "units_shipped",
    market: Market = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
) -> None:
    """Set a target for a year, a quarter or a month."""

    async def set_one(services: ReportingServices) -> Progress:
        targets = services.reporting.targets
        target = await targets.set(period, metric, value, market, channel)
        return await targets.progress(target.id)

    Console().print(progress_table([run_in_shop(settings_of(ctx), set_one)]))


@target_app.command("progress")
def target_progress(
    ctx: typer.Context,
    target_id: Annotated[
        str | None, typer.Argument(help="One target; every one if left out.")
    ] = None,
    seasonal: Annotated[bool, typer.Option(help="Forecast from last year's shape.")] = False,
) -> None:
    """Progress towards the targets: achieved, days left, the daily rate needed, the forecast."""

    async def followed(r: Reporting) -> list[Progress]:
        ids = [target_id] if target_id else [t.id for t in await r.targets.all()]
        return [await r.targets.progress(i, seasonal) for i in ids]

    found = _answer(ctx, followed)
    if not found:
        Console().print("no targets yet: try `flashsale target set 2018 100000000`")
        return
    Console().print(progress_table(found))


@fx_app.command("import")
def fx_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="eurofxref-hist.csv: Date,USD,JPY,... (ECB).")],
) -> None:
    """Import the ECB's daily reference rates; a file with bad lines imports nothing."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        fail(f"{file}: {exc.strerror}", code=2)

    async def imported(services: ReportingServices) -> tuple[int, int, int]:
        parsed = await services.reporting.exchange_rates.import_ecb(text)
        return len(parsed.rates), parsed.days, len(parsed.currencies)

    rates, days, currencies = run_in_shop(settings_of(ctx), imported)
    Console(highlight=False).print(
        f"imported {rates:,} rates: {days:,} days, {currencies} currencies against EUR"
    )


async def project_until_stopped(settings: Settings) -> None:
    """``flashsale worker --reports``: project the feed into the facts until SIGTERM or Ctrl-C
    (one worker of the fleet leads; the others stand by)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stopping_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stopping_signal, stopping.set)
    console = Console(highlight=False)
    try:
        async with running_shop(settings, long_running=True) as shop:
            shop.start_reports()
            console.print(
                "flashsale worker projects the sales facts every"
                f" {settings.reports_poll_seconds:g} s (Ctrl-C stops)",
                soft_wrap=True,
            )
            await stopping.wait()
    finally:
        for stopping_signal in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(ValueError):
                loop.remove_signal_handler(stopping_signal)
    console.print("reports worker stopped")
