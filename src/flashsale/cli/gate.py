"""``flashsale gate``: compare the shared stock gate with the record; rebuild it from the record.

Only a gate shared through Redis outlives a process, so only it can drift from the record (a
flush, a hand edit, a bug); the in-process gate is rebuilt by every process that starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.table import Table

from flashsale.cli.runtime import fail, run_in_shop
from flashsale.cli.settings import settings_of
from flashsale.config import Settings
from flashsale.sales.service.auditing import Auditing, GateComparison
from flashsale.sales.service.sale_directory import GateRebuilt, SaleDirectory

gate_app = typer.Typer(
    name="gate",
    help="The shared stock gate (Redis): check it against the record, rebuild it.",
    no_args_is_help=True,
)

SaleId = Annotated[str, typer.Argument(help="The sale's id, as `flashsale sale list` shows.")]

CUSTOMERS_SHOWN = 20  # a flushed gate differs for every buyer; the first few tell the story


class GateServices(Protocol):
    auditing: Auditing
    directory: SaleDirectory


@dataclass(frozen=True, slots=True)
class Difference:
    what: str
    gate: str
    store: str


def _require_redis(settings: Settings) -> None:
    if settings.redis_url is None:
        fail(
            "the in-process stock gate lives inside each serving process and is rebuilt when it"
            " starts; give --redis-url (or FLASHSALE_REDIS_URL) to reach the shared gate",
            code=2,
        )


def _differences(compared: GateComparison) -> list[Difference]:
    held, stock_left, registered = compared.held, compared.stock_left, compared.registered
    # Summed over the sale's buckets, on one server or a cluster.
    snapshot = compared.gate
    if snapshot is None:
        return [Difference("units left", "sale not loaded", f"{stock_left:,}")]
    gate_stock_left, gate_held, gate_registered = (
        snapshot.stock_left,
        snapshot.held,
        snapshot.registered,
    )

    found: list[Difference] = []
    if len(set(snapshot.generations)) > 1:
        # A load that died half-way: buckets of its generation and of the one before.
        shown = ", ".join("none" if g is None else str(g) for g in snapshot.generations)
        found.append(Difference("generation per bucket", shown, "one for every bucket"))
    if gate_stock_left != stock_left:
        found.append(Difference("units left", f"{gate_stock_left:,}", f"{stock_left:,}"))
    if gate_registered != registered:
        found.append(Difference("registered customers", f"{gate_registered:,}", f"{registered:,}"))
    customers = sorted(
        c for c in held.keys() | gate_held.keys() if held.get(c, 0) != gate_held.get(c, 0)
    )
    for customer in customers[:CUSTOMERS_SHOWN]:
        found.append(
            Difference(
                f"held by {customer}",
                str(gate_held.get(customer, 0)),
                str(held.get(customer, 0)),
            )
        )
    if len(customers) > CUSTOMERS_SHOWN:
        more = len(customers) - CUSTOMERS_SHOWN
        found.append(Difference(f"... and {more:,} more customers", "", ""))
    return found


def _table(sale_id: str, differences: list[Difference]) -> Table:
    table = Table(title=f"Stock gate against the record: {sale_id}")
    table.add_column("fact", overflow="fold")
    table.add_column("gate (Redis)", justify="right")
    table.add_column("record (database)", justify="right")
    for difference in differences:
        table.add_row(difference.what, f"[red]{difference.gate}", difference.store)
    return table


@gate_app.command("check")
def check(ctx: typer.Context, sale_id: SaleId) -> None:
    """Compare the gate with the record: units left, who holds how many, who registered.

    Exits 1 on any difference. During a live sale, purchases between the gate and the database
    show as passing differences: check again before acting on one.
    """
    settings = settings_of(ctx)
    _require_redis(settings)

    async def compared(services: GateServices) -> GateComparison:
        return await services.auditing.compare_gate(sale_id)

    differences = _differences(run_in_shop(settings, compared))
    console = Console()
    if not differences:
        console.print(f"[green]the gate agrees with the record[/green] for {sale_id}")
        return
    console.print(_table(sale_id, differences))
    raise typer.Exit(1)


@gate_app.command("rebuild")
def rebuild(ctx: typer.Context, sale_id: SaleId) -> None:
    """Replace the sale's gate with what the record says.

    Units that serving processes have taken but not stored yet are put back on sale, so rebuild a
    live sale only when its gate is known to be wrong; a lost gate is rebuilt by itself. Units
    that come back later from before the rebuild (expired or cancelled orders, failed commits)
    are not added again: the rebuild counted them from the record.
    """
    settings = settings_of(ctx)
    _require_redis(settings)

    async def rebuilt(services: GateServices) -> GateRebuilt:
        return await services.directory.rebuild_gate_of(sale_id)

    done = run_in_shop(settings, rebuilt)
    shown = "not loaded" if done.before is None else f"{done.before:,}"
    after_shown = "not loaded" if done.after is None else f"{done.after:,}"
    # A new generation: units taken or closed before it are not given back to it again.
    Console().print(
        f"rebuilt the gate of {sale_id}: units left {shown} -> {after_shown}"
        f" (generation {done.generation})",
        soft_wrap=True,
        highlight=False,
    )
