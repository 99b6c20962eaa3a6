"""``flashsale channel``: sales channels, their prices, partners' pools, order reports, their
cancellations and returns, feeds and reconciliation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.table import Table

from flashsale.channels.domain.channel import Channel, ChannelKind, ChannelPrice
from flashsale.channels.domain.feeds import FeedFormat
from flashsale.channels.domain.parsing import ImportFormat
from flashsale.channels.domain.pool import Pool, PoolTarget
from flashsale.channels.domain.reconciliation import Reconciliation
from flashsale.channels.domain.return_parsing import ReturnFormat
from flashsale.channels.service.assembly import Channels
from flashsale.channels.service.feeds import Feed
from flashsale.channels.service.imports import ImportResult
from flashsale.channels.service.returns import ReturnsResult
from flashsale.cli.runtime import fail, run_in_shop
from flashsale.cli.settings import settings_of

channel_app = typer.Typer(
    name="channel",
    help="Sales channels: prices, partner pools, order reports, feeds, reconciliation.",
    no_args_is_help=True,
)
SHOWN_REJECTED = 20


class ChannelServices(Protocol):
    @property
    def channels(self) -> Channels: ...


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _pools_table(channel: Channel, pools: list[Pool]) -> Table:
    table = Table("location", "sku", "units", "consumed", "available", "buffer", "published")
    for p in pools:
        table.add_row(
            p.location, p.sku, f"{p.units:,}", f"{p.consumed:,}", f"{p.available:,}",
            f"{channel.safety_buffer:,}", f"{p.published(channel.safety_buffer):,}",
        )  # fmt: skip
    return table


@channel_app.command("add")
def channel_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Such as AMAZON_IN.")],
    name: Annotated[str, typer.Option(help="Such as 'Amazon India'.")],
    market: Annotated[str, typer.Option(help="The market it sells in (its currency too).")],
    kind: Annotated[ChannelKind, typer.Option()] = ChannelKind.MARKETPLACE,
    buffer: Annotated[int, typer.Option(help="Units per pool never published.")] = 0,
) -> None:
    """Add a channel."""

    async def add(services: ChannelServices) -> Channel:
        return await services.channels.book.add(code, kind, market, name, buffer)

    made = run_in_shop(settings_of(ctx), add)
    _console().print(
        f"channel {made.code} added ({made.kind}, {made.market_code}, {made.currency})"
    )


@channel_app.command("list")
def channel_list(ctx: typer.Context) -> None:
    """Every channel, by code."""

    async def every(services: ChannelServices) -> list[Channel]:
        return await services.channels.book.all()

    table = Table("code", "kind", "market", "currency", "name", "buffer", "active")
    for c in run_in_shop(settings_of(ctx), every):
        table.add_row(
            c.code, c.kind.value, c.market_code, c.currency, c.name, str(c.safety_buffer),
            "yes" if c.active else "no",
        )  # fmt: skip
    _console().print(table)


@channel_app.command("price")
def channel_price(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument()],
    prices: Annotated[list[str], typer.Argument(help="SKU=AMOUNT pairs: MIBAND2-BLK=999.00")],
) -> None:
    """Set prices on a channel, in its currency."""
    pairs = []
    for pair in prices:
        sku, _, amount = pair.partition("=")
        if not sku or not amount:
            fail(f"{pair!r} is not SKU=AMOUNT", code=2)
        pairs.append((sku, amount))

    async def put(services: ChannelServices) -> list[ChannelPrice]:
        return await services.channels.book.put_prices(code, pairs)

    table = Table("sku", "price")
    for p in run_in_shop(settings_of(ctx), put):
        table.add_row(p.sku, f"{p.price.amount} {p.price.currency}")
    _console().print(table)


@channel_app.command("pool")
def channel_pool(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument()],
    pools: Annotated[
        list[str] | None, typer.Argument(help="LOCATION:SKU=UNITS, such as DC-BLR:MIBAND2=500")
    ] = None,
) -> None:
    """Commit units at DCs to a partner (or, with none given, show its pools)."""
    targets = []
    for given in pools or []:
        where, _, units = given.partition("=")
        location, _, sku = where.partition(":")
        if not (location and sku and units.isdigit()):
            fail(f"{given!r} is not LOCATION:SKU=UNITS", code=2)
        targets.append(PoolTarget(location, sku, int(units)))

    async def put(services: ChannelServices) -> tuple[Channel, list[Pool]]:
        if targets:
            return await services.channels.pools.put(code, targets)
        return await services.channels.pools.of(code)

    channel, found = run_in_shop(settings_of(ctx), put)
    _console().print(_pools_table(channel, found))


@channel_app.command("feed")
def channel_feed(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument()],
    format: Annotated[FeedFormat, typer.Option("--format")] = FeedFormat.AMAZON_JSON,
    seller_id: Annotated[str | None, typer.Option(help="Amazon's seller id.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False)] = None,
) -> None:
    """Write what the partner may sell, in its feed's shape, to a file or standard output."""

    async def make(services: ChannelServices) -> Feed:
        return await services.channels.feeds.make(code, format, seller_id)

    body = run_in_shop(settings_of(ctx), make).body()
    if output is None:
        typer.echo(body.decode())
    else:
        output.write_bytes(body)
        _console().print(f"feed written to {output} ({len(body):,} bytes)")


@channel_app.command("import")
def channel_import(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument()],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    format: Annotated[ImportFormat, typer.Option("--format")] = ImportFormat.JSON,
) -> None:
    """Import a partner's order report: each line once, however often it is sent."""
    data = file.read_bytes()

    async def load(services: ChannelServices) -> ImportResult:
        return await services.channels.imports.run(code, data, format)

    done = run_in_shop(settings_of(ctx), load)
    console = _console()
    console.print(
        f"{done.imported:,} imported, {done.duplicates:,} duplicates,"
        f" {done.rejected_total:,} rejected (batch {done.batch})"
    )
    _print_rejected(console, done.rejected, done.rejected_total)


@channel_app.command("returns")
def channel_returns(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument()],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    format: Annotated[ReturnFormat, typer.Option("--format")] = ReturnFormat.JSON,
) -> None:
    """Import a partner's cancellations and returns: each once per line and kind, however
    often it is sent. A cancellation gives the line's units back to its pool, a return takes
    the unit back in (or writes it off when damaged)."""
    data = file.read_bytes()

    async def load(services: ChannelServices) -> ReturnsResult:
        return await services.channels.returns.run(code, data, format)

    done = run_in_shop(settings_of(ctx), load)
    console = _console()
    console.print(
        f"{done.applied:,} applied, {done.duplicates:,} duplicates, {done.passed_over:,} passed"
        f" over, {done.rejected_total:,} rejected (batch {done.batch})"
    )
    _print_rejected(console, done.rejected, done.rejected_total)


def _print_rejected(console: Console, rejected: Sequence[tuple[int, str]], total: int) -> None:
    """The first lines a file could not take, and how many more."""
    for line, problem in rejected[:SHOWN_REJECTED]:
        console.print(f"  line {line}: {problem}")
    if total > SHOWN_REJECTED:
        console.print(f"  … and {total - SHOWN_REJECTED:,} more")


@channel_app.command("reconcile")
def channel_reconcile(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument()],
    start: Annotated[str, typer.Option("--from", help="First market-local day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
) -> None:
    """Per day and SKU: reported, imported, consumed, rejected, returned. Exits 1 when the
    partner oversold (sold past its pool)."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        fail(f"--from and --to are days such as 2017-09-20 ({exc})", code=2)

    async def reconcile(services: ChannelServices) -> Reconciliation:
        return await services.channels.reconciler.run(code, first, last)

    done = run_in_shop(settings_of(ctx), reconcile)
    table = Table("day", "sku", "reported", "imported", "consumed", "rejected", "oversold",
                  "returned")  # fmt: skip
    for r in done.rows:
        table.add_row(
            r.day.isoformat(), r.sku, f"{r.reported:,}", f"{r.imported:,}", f"{r.consumed:,}",
            f"{r.rejected:,}", f"{r.oversold:,}", f"{r.returned:,}",
        )  # fmt: skip
    console = _console()
    console.print(table)
    if done.partner_oversold:
        console.print(f"{done.channel} oversold {done.oversold:,} units past its pools")
        raise typer.Exit(1)
