"""``flashsale fulfil waves cut|ship|deliver`` and ``flashsale return list|approve|receive``:
the warehouse's work after allocation from the shell (the commands join ``fulfil_app``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.table import Table

from flashsale.cli.fulfilment import CLI_ACTOR, fulfil_app
from flashsale.cli.runtime import fail, run_in_shop
from flashsale.cli.settings import settings_of
from flashsale.fulfilment.domain.returns import Return, ReturnStatus
from flashsale.fulfilment.domain.shipments import Shipment, read_shipments_csv
from flashsale.fulfilment.domain.waves import Wave
from flashsale.fulfilment.service.operations import Operations

waves_app = typer.Typer(name="waves", help="Waves: cut them, list them.", no_args_is_help=True)
fulfil_app.add_typer(waves_app)
return_app = typer.Typer(
    name="return", help="Returns: the queue, approve, receive.", no_args_is_help=True
)


class OperationsServices(Protocol):
    @property
    def fulfilment_ops(self) -> Operations: ...


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


@waves_app.command("cut")
def waves_cut(
    ctx: typer.Context,
    location: Annotated[str, typer.Option(help="The location's code, e.g. DC-BJ.")],
    max_orders: Annotated[int | None, typer.Option(min=1)] = None,
) -> None:
    """Cut a wave: the location's allocated orders, oldest paid first, up to its capacity for
    the coming hour; print its pick lines."""

    async def cut(services: OperationsServices) -> Wave:
        return await services.fulfilment_ops.waves.cut(location, max_orders, CLI_ACTOR)

    wave = run_in_shop(settings_of(ctx), cut)
    table = Table("SKU", "units", "orders", title=f"wave {wave.id} at {wave.location}")
    for line in wave.lines:
        table.add_row(line.sku, str(line.quantity), str(line.orders))
    _console().print(table)


@waves_app.command("list")
def waves_list(ctx: typer.Context, location: Annotated[str | None, typer.Option()] = None) -> None:
    """The newest waves."""

    async def listed(services: OperationsServices) -> list[Wave]:
        return await services.fulfilment_ops.waves.listed(location)

    table = Table("wave", "location", "cut at", "orders", "units")
    for wave in run_in_shop(settings_of(ctx), listed):
        table.add_row(
            wave.id, wave.location, wave.cut_at.isoformat(), str(len(wave.orders)),
            str(wave.units),
        )  # fmt: skip
    _console().print(table)


@fulfil_app.command("ship")
def fulfil_ship(
    ctx: typer.Context,
    wave: Annotated[str, typer.Option(help="The wave's id.")],
    csv: Annotated[Path, typer.Option(help="fulfilment_order,carrier,tracking lines", exists=True)],
) -> None:
    """Ship a wave's parcels from a CSV file, all or none (the bad lines named)."""
    requests, unread = read_shipments_csv(csv.read_text(encoding="utf-8-sig"))

    async def ship(services: OperationsServices) -> list[Shipment]:
        return await services.fulfilment_ops.shipping.ship_wave(wave, requests, CLI_ACTOR, unread)

    shipped = run_in_shop(settings_of(ctx), ship)
    _console().print(f"{len(shipped):,} parcels shipped from wave {wave}")


@fulfil_app.command("deliver")
def fulfil_deliver(ctx: typer.Context) -> None:
    """Record what the carrier has delivered by now."""

    async def deliver(services: OperationsServices) -> int:
        return await services.fulfilment_ops.shipping.deliver_due()

    _console().print(f"{run_in_shop(settings_of(ctx), deliver):,} parcels delivered")


@return_app.command("list")
def return_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="requested, approved, ...")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
) -> None:
    """Returns, the oldest asked first."""
    try:
        wanted = ReturnStatus(status) if status else None
    except ValueError:
        fail(f"no status {status!r}: {', '.join(s.value for s in ReturnStatus)}", code=2)

    async def listed(services: OperationsServices) -> list[Return]:
        return await services.fulfilment_ops.returns.listed(wanted, limit)

    table = Table("return", "order", "status", "sku", "qty", "reason", "location")
    for ret in run_in_shop(settings_of(ctx), listed):
        table.add_row(
            ret.id, ret.order_id, ret.status.value, ret.sku, str(ret.quantity), ret.reason,
            ret.location or "",
        )  # fmt: skip
    _console().print(table)


@return_app.command("approve")
def return_approve(ctx: typer.Context, return_id: str) -> None:
    """Approve a return."""

    async def approve(services: OperationsServices) -> Return:
        return await services.fulfilment_ops.returns.approve(return_id, CLI_ACTOR)

    _console().print(f"return {return_id}: {run_in_shop(settings_of(ctx), approve).status}")


@return_app.command("receive")
def return_receive(
    ctx: typer.Context,
    return_id: str,
    location: Annotated[str, typer.Option(help="Where it arrived.")],
    resellable: Annotated[bool, typer.Option("--resellable/--damaged")] = True,
) -> None:
    """Receive a return (into stock, or written off when damaged) and refund its units."""

    async def receive(services: OperationsServices) -> Return:
        return await services.fulfilment_ops.returns.receive(
            return_id, location, resellable, CLI_ACTOR
        )

    done = run_in_shop(settings_of(ctx), receive)
    _console().print(f"return {return_id}: {done.status} (refund {done.refund_id})")
