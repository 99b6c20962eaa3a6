"""``flashsale location``, ``flashsale stock`` and ``flashsale fulfil``: the DCs, their stock
by hand, the stock audit, and allocation on demand; ``allocate_until_stopped`` is ``flashsale
worker --fulfilment``."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.table import Table

from flashsale.bootstrap import running_shop
from flashsale.cli.runtime import fail, run_in_shop
from flashsale.cli.settings import settings_of
from flashsale.cli.stock_audit import stock_table
from flashsale.config import Settings
from flashsale.fulfilment.domain.order import FulfilmentOrder, FulfilmentStatus
from flashsale.fulfilment.service.allocator import Allocated
from flashsale.fulfilment.service.assembly import Fulfilment
from flashsale.inventory.domain.audit import StockAudit
from flashsale.inventory.domain.location import (
    Location,
    LocationKind,
    parse_cutoff,
    parse_regions,
)
from flashsale.inventory.domain.stock import MoveKind, StockLevel

STOPPING_SIGNALS = (signal.SIGTERM, signal.SIGINT)
CLI_ACTOR = "cli"

location_app = typer.Typer(
    name="location",
    help="Locations: the distribution centres that hold stock and ship it.",
    no_args_is_help=True,
)
stock_app = typer.Typer(
    name="stock",
    help="Stock by hand (receive, adjust, count), levels and the audit.",
    no_args_is_help=True,
)
fulfil_app = typer.Typer(
    name="fulfil", help="Allocation of paid orders to locations.", no_args_is_help=True
)


class FulfilmentServices(Protocol):
    @property
    def fulfilment(self) -> Fulfilment: ...


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


@location_app.command("add")
def location_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Such as DC-BJ.")],
    name: Annotated[str, typer.Option(help="Such as 'Beijing DC'.")],
    market: Annotated[str, typer.Option(help="The market it ships for, such as CN.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone, such as Asia/Shanghai.")],
    regions: Annotated[
        str, typer.Option(help="Ranked regions served: 'CN-BJ:1 CN-TJ:1 CN-HE:2'.")
    ] = "",
    address: Annotated[str, typer.Option()] = "",
    capacity: Annotated[int, typer.Option(help="Orders it ships an hour.")] = 3_500,
    cutoff: Annotated[str, typer.Option(help="Local time of the day's last pick-up.")] = "17:00",
) -> None:
    """Add a distribution centre."""
    location = Location(
        code.upper(),
        name,
        market.upper(),
        timezone,
        kind=LocationKind.DC,
        address=address,
        capacity_per_hour=capacity,
        cutoff=parse_cutoff(cutoff),
        regions=parse_regions(regions),
    )

    async def add(services: FulfilmentServices) -> Location:
        return await services.fulfilment.locations.add(location)

    made = run_in_shop(settings_of(ctx), add)
    _console().print(f"location {made.code} added ({len(made.regions)} regions ranked)")


@location_app.command("list")
def location_list(ctx: typer.Context, market: Annotated[str | None, typer.Option()] = None) -> None:
    """Every location, by code."""

    async def every(services: FulfilmentServices) -> list[Location]:
        return await services.fulfilment.locations.all(market)

    found = run_in_shop(settings_of(ctx), every)
    table = Table("code", "name", "market", "kind", "capacity/h", "cutoff", "first", "active")
    for loc in found:
        ranked_first = [r.region for r in loc.regions if r.rank == 1]
        first = " ".join(ranked_first[:3]) + (
            f" +{len(ranked_first) - 3}" if len(ranked_first) > 3 else ""
        )
        table.add_row(
            loc.code, loc.name, loc.market_code, loc.kind.value, f"{loc.capacity_per_hour:,}",
            loc.cutoff.strftime("%H:%M"), first, "yes" if loc.active else "no",
        )  # fmt: skip
    _console().print(table)


@location_app.command("import")
def location_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Add or replace the locations of a CSV file (code, name, kind, market, address, timezone,
    capacity_per_hour, cutoff, regions, active), all or nothing."""
    text = file.read_text(encoding="utf-8")

    async def load(services: FulfilmentServices) -> list[Location]:
        return await services.fulfilment.locations.import_csv(text)

    done = run_in_shop(settings_of(ctx), load)
    _console().print(f"imported {len(done)} locations")


def _move(
    ctx: typer.Context, kind: MoveKind, location: str, sku: str, quantity: int, ref: str
) -> None:
    async def record(services: FulfilmentServices) -> StockLevel:
        _, level = await services.fulfilment.stock.move(
            location.upper(), sku, kind, quantity, ref, CLI_ACTOR
        )
        return level

    level = run_in_shop(settings_of(ctx), record)
    _console().print(
        f"{level.sku} at {level.location}: {level.on_hand:,} on hand, {level.allocated:,}"
        f" allocated, {level.committed:,} committed, {level.free:,} free"
    )


Loc = Annotated[str, typer.Argument(help="The location's code.")]
Sku = Annotated[str, typer.Argument(help="The SKU.")]
Ref = Annotated[str, typer.Option("--reference", help="A purchase order, a count sheet ...")]


@stock_app.command("receive")
def stock_receive(
    ctx: typer.Context, location: Loc, sku: Sku, quantity: Annotated[int, typer.Argument(min=1)],
    reference: Ref = "",
) -> None:  # fmt: skip
    """Units arrived."""
    _move(ctx, MoveKind.RECEIPT, location, sku, quantity, reference)


@stock_app.command("adjust")
def stock_adjust(
    ctx: typer.Context, location: Loc, sku: Sku, change: Annotated[int, typer.Argument()],
    reference: Ref = "",
) -> None:  # fmt: skip
    """Correct on-hand by CHANGE units (negative takes away)."""
    _move(ctx, MoveKind.ADJUSTMENT, location, sku, change, reference)


@stock_app.command("count")
def stock_count(
    ctx: typer.Context, location: Loc, sku: Sku, counted: Annotated[int, typer.Argument(min=0)],
    reference: Ref = "",
) -> None:  # fmt: skip
    """A physical count: the difference with on-hand is written to the ledger."""
    _move(ctx, MoveKind.COUNT, location, sku, counted, reference)


@stock_app.command("show")
def stock_show(
    ctx: typer.Context,
    location: Annotated[str | None, typer.Option()] = None,
    sku: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Levels: on hand, allocated, committed, free."""

    async def levels(services: FulfilmentServices) -> list[StockLevel]:
        return await services.fulfilment.stock.levels(location.upper() if location else None, sku)

    table = Table("location", "sku", "on hand", "allocated", "committed", "free")
    for lv in run_in_shop(settings_of(ctx), levels):
        table.add_row(
            lv.location, lv.sku, f"{lv.on_hand:,}", f"{lv.allocated:,}", f"{lv.committed:,}",
            f"{lv.free:,}",
        )  # fmt: skip
    _console().print(table)


@stock_app.command("audit")
def stock_audit(
    ctx: typer.Context,
    sku: Annotated[str | None, typer.Option(help="Only this SKU's levels and doors.")] = None,
) -> None:
    """Every level explained by the ledger, the open fulfilment orders, the allotments and the
    partners' pools, and per SKU: received = sold on the web + in stores + by partners + in
    pools + on hand + written off, door by door; exits 1 when anything is off."""

    async def audit(services: FulfilmentServices) -> StockAudit:
        return await services.fulfilment.audit.audit(sku)

    found = run_in_shop(settings_of(ctx), audit)
    console = _console()
    console.print(stock_table(found))
    for d in found.discrepancies:
        console.print(d.describe(), markup=False)
    if not found.clean:
        fail(f"{len(found.discrepancies)} discrepancies over {found.levels:,} levels")
    console.print(f"clean: {found.levels:,} levels of {found.skus:,} SKUs explained")


@fulfil_app.command("allocate")
def fulfil_allocate(
    ctx: typer.Context, market: Annotated[str | None, typer.Option()] = None
) -> None:
    """Allocate the paid orders waiting in the feed now (and retry those waiting for stock)."""

    async def allocate(services: FulfilmentServices) -> Allocated:
        return await services.fulfilment.allocators.allocate_now(market.upper() if market else None)

    done = run_in_shop(settings_of(ctx), allocate)
    _console().print(
        f"{done.events:,} events read: {done.allocated:,} allocated, {done.unallocated:,}"
        f" unallocated, {done.cancelled:,} released, {done.retried:,} placed at last"
    )


@fulfil_app.command("status")
def fulfil_status(
    ctx: typer.Context,
    order: Annotated[str | None, typer.Argument(help="An order id: its fulfilment orders.")] = None,
    status: Annotated[
        str, typer.Option(help="Without an order: those in this status.")
    ] = "unallocated",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """An order's fulfilment orders, or those in a status (unallocated ones with why)."""

    async def look(services: FulfilmentServices) -> list[FulfilmentOrder]:
        f = services.fulfilment
        if order is not None:
            return (await f.orders.summary(order)).parts
        try:
            wanted = FulfilmentStatus(status)
        except ValueError:
            fail(f"no status {status!r}: {', '.join(s.value for s in FulfilmentStatus)}", code=2)
        return await f.orders.listed(wanted, None, None, limit)

    table = Table("fulfilment order", "order", "status", "location", "qty", "region", "reason")
    for fo in run_in_shop(settings_of(ctx), look):
        table.add_row(
            fo.id, fo.source_id, fo.status.value, fo.location or "", str(fo.quantity),
            fo.region or "", fo.reason,
        )  # fmt: skip
    _console().print(table)


async def allocate_until_stopped(settings: Settings) -> None:
    """``flashsale worker --fulfilment``: allocate while this process leads a market, until
    SIGTERM or Ctrl-C. Any number may run: one per market leads, the others stand by."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stopping_signal in STOPPING_SIGNALS:
        loop.add_signal_handler(stopping_signal, stopping.set)
    try:
        async with running_shop(settings, long_running=True) as shop:
            _console().print("flashsale worker allocates paid orders (Ctrl-C stops)")
            shop.start_fulfilment()
            await stopping.wait()
    finally:
        for stopping_signal in STOPPING_SIGNALS:
            loop.remove_signal_handler(stopping_signal)
