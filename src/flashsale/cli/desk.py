"""``flashsale desk``: the service desk's queues, agents, SLA policies and macros; its figures
for a day in a market's time; customers' mail from an mbox file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Protocol
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from flashsale.catalog.service import Catalog
from flashsale.cli.runtime import run_in_shop
from flashsale.cli.settings import settings_of
from flashsale.desk.domain.macros import Macro
from flashsale.desk.domain.sla import SlaPolicy
from flashsale.desk.domain.staffing import DeskAgent, Queue
from flashsale.desk.service.desk import Desk
from flashsale.desk.service.stats import DeskStats

desk_app = typer.Typer(
    name="desk",
    help="The service desk: queues, agents, SLA policies, macros, figures, mail in.",
    no_args_is_help=True,
)
queue_app = typer.Typer(name="queue", help="The desk's queues.", no_args_is_help=True)
agent_app = typer.Typer(name="agent", help="The desk's agents.", no_args_is_help=True)
sla_app = typer.Typer(name="sla", help="SLA policies.", no_args_is_help=True)
macro_app = typer.Typer(name="macro", help="Macros: canned replies.", no_args_is_help=True)
desk_app.add_typer(queue_app)
desk_app.add_typer(agent_app)
desk_app.add_typer(sla_app)
desk_app.add_typer(macro_app)


class DeskServices(Protocol):
    @property
    def desk(self) -> Desk: ...

    catalog: Catalog


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@queue_app.command("add")
def queue_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="cn-zh, in-en …")],
    market: Annotated[str, typer.Option(help="The market's code.")],
    language: Annotated[str, typer.Option(help="The language its agents answer in.")],
    topics: Annotated[str, typer.Option(help="payment,delivery,return,product,other")],
    sla: Annotated[str, typer.Option(help="The SLA policy's code.")] = "standard",
) -> None:
    """Add or replace a queue."""

    async def add(services: DeskServices) -> Queue:
        return await services.desk.setup.add_queue(code, market, language, _csv(topics), sla)

    queue = run_in_shop(settings_of(ctx), add)
    Console().print(f"queue {queue.code}: {queue.market}, {queue.language}", markup=False)


@queue_app.command("list")
def queue_list(ctx: typer.Context) -> None:
    """Every queue."""

    async def every(services: DeskServices) -> list[Queue]:
        return await services.desk.setup.queues()

    found = run_in_shop(settings_of(ctx), every)
    table = Table(title="Queues")
    for name in ("code", "market", "language", "topics", "SLA policy"):
        table.add_column(name)
    for q in found:
        topics = ", ".join(sorted(t.value for t in q.topics))
        table.add_row(q.code, q.market, q.language, topics, q.sla_policy)
    Console().print(table)


@agent_app.command("add")
def agent_add(
    ctx: typer.Context,
    staff: Annotated[str, typer.Argument(help="The staff member's id or e-mail address.")],
    market: Annotated[str, typer.Option(help="The market they answer.")],
    topics: Annotated[str, typer.Option(help="payment,delivery …")],
    languages: Annotated[str, typer.Option(help="zh,en; default: the member's own.")] = "",
    capacity: Annotated[int, typer.Option(min=1, max=200, help="Open cases at once.")] = 8,
) -> None:
    """A staff member with the agent role joins the desk (offline until they say)."""

    async def add(services: DeskServices) -> DeskAgent:
        return await services.desk.setup.add_agent(
            staff,
            market=market,
            languages=_csv(languages),
            topics=_csv(topics),
            capacity=capacity,
        )

    agent = run_in_shop(settings_of(ctx), add)
    languages_ = ",".join(sorted(agent.languages))
    Console().print(
        f"agent {agent.staff_id}: {agent.market}, {languages_}, capacity {agent.capacity}",
        markup=False,
    )


@agent_app.command("list")
def agent_list(ctx: typer.Context) -> None:
    """Every agent of the desk, with their status now."""

    async def every(services: DeskServices) -> list[DeskAgent]:
        return await services.desk.setup.agents()

    found = run_in_shop(settings_of(ctx), every)
    table = Table(title="Agents")
    for name in ("staff", "market", "languages", "topics", "capacity", "status"):
        table.add_column(name)
    for a in found:
        table.add_row(
            a.staff_id,
            a.market,
            ",".join(sorted(a.languages)),
            ",".join(sorted(t.value for t in a.topics)),
            str(a.capacity),
            a.status.value,
        )
    Console().print(table)


@sla_app.command("set")
def sla_set(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The policy's code.")],
    first_response: Annotated[int, typer.Option(help="Minutes, normal priority.")] = 60,
    next_response: Annotated[int, typer.Option(help="Minutes, normal priority.")] = 240,
    resolution: Annotated[int, typer.Option(help="Minutes, normal priority.")] = 1440,
    calendar_hours: Annotated[
        bool, typer.Option("--calendar-hours", help="Count every hour, not business hours.")
    ] = False,
) -> None:
    """Set a policy: these targets for normal priority; urgent a quarter, high half, low
    double."""

    async def set_(services: DeskServices) -> SlaPolicy:
        scaled = SlaPolicy.uniform(code, first_response, next_response, resolution)
        targets = {
            p.value: (t.first_response, t.next_response, t.resolution)
            for p, t in scaled.targets.items()
        }
        return await services.desk.setup.set_sla_policy(
            code, targets, business_hours=not calendar_hours
        )

    policy = run_in_shop(settings_of(ctx), set_)
    Console().print(f"SLA policy {policy.code} set", markup=False)


@macro_app.command("add")
def macro_add(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The template; its first line is the title.")],
    code: Annotated[str | None, typer.Option(help="Default: the file's name.")] = None,
    status: Annotated[str | None, typer.Option(help="Set with the reply: solved …")] = None,
) -> None:
    """Add a macro from FILE (Jinja2: {{ order.id }}, {{ shipment.tracking_number }} …)."""
    title, _, body = file.read_text(encoding="utf-8").partition("\n")

    async def add(services: DeskServices) -> str:
        macro = await services.desk.setup.add_macro(code or file.stem, title, body, status)
        return macro.code

    Console().print(f"macro {run_in_shop(settings_of(ctx), add)} added", markup=False)


@macro_app.command("list")
def macro_list(ctx: typer.Context) -> None:
    """Every macro: its code, title and the status it sets."""

    async def every(services: DeskServices) -> list[Macro]:
        return await services.desk.setup.macros()

    table = Table(title="Macros")
    for name in ("code", "title", "sets"):
        table.add_column(name)
    for m in run_in_shop(settings_of(ctx), every):
        table.add_row(m.code, m.title, "" if m.set_status is None else m.set_status.value)
    Console().print(table)


@desk_app.command("stats")
def stats(
    ctx: typer.Context,
    day: Annotated[str, typer.Option("--date", help="The day, in the market's time: 2015-04-08")],
    market: Annotated[str, typer.Option(help="The market.")],
) -> None:
    """A day's figures per hour, in the market's time."""

    async def figures(services: DeskServices) -> tuple[DeskStats, str]:
        found = await services.catalog.market(market.upper())
        zone = ZoneInfo(found.timezone)
        start = datetime.combine(date.fromisoformat(day), time(0), zone).astimezone(UTC)
        return (
            await services.desk.stats.figures(start, start + timedelta(days=1), market=found.code),
            found.timezone,
        )

    result, zone = run_in_shop(settings_of(ctx), figures)
    table = Table(title=f"{market.upper()} {day} ({zone})")
    for name in ("hour", "opened", "deflected", "routed", "solved", "backlog", "p50 s", "p90 s",
                 "breaches"):  # fmt: skip
        table.add_column(name, justify="right")
    for b in result.buckets:
        table.add_row(
            b.start.astimezone(ZoneInfo(zone)).strftime("%H:%M"),
            str(b.opened), str(b.deflected), str(b.routed), str(b.solved), str(b.backlog),
            "" if b.first_response_p50 is None else f"{b.first_response_p50:.0f}",
            "" if b.first_response_p90 is None else f"{b.first_response_p90:.0f}",
            str(b.breaches),
        )  # fmt: skip
    console = Console()
    console.print(table)
    console.print(
        f"opened {result.opened}, deflected {result.deflected}"
        f" ({result.deflection_rate:.1%}), routed {result.routed}, solved {result.solved},"
        f" breaches {result.breaches}; agents online {result.agents_online},"
        f" at capacity {result.agents_at_capacity}",
        markup=False,
    )


@desk_app.command("import-mbox")
def import_mbox(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An mbox file of customers' mail.")],
    market: Annotated[
        str | None, typer.Option(help="For senders who are no customer: their market.")
    ] = None,
) -> None:
    """Customers' mail into cases, threaded by In-Reply-To and the case number."""

    async def imported(services: DeskServices) -> tuple[int, int]:
        return await services.desk.inbound.import_mbox(file, market)

    opened, added = run_in_shop(settings_of(ctx), imported)
    Console().print(f"{opened} cases opened, {added} mails added to cases", markup=False)
